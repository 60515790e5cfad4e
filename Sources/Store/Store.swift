import CSQLite
import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
// The records the store reads and writes are Model's types; its clients get them with it.
@_exported import Model
#endif

/// One connection to the slug store, the SQLite file slugctl and the daemons share. Not shared
/// between threads. A write of several statements runs in a BEGIN IMMEDIATE transaction (a
/// single statement is its own), so two writing processes queue on the busy timeout instead of
/// failing half-way.
public final class Store {
  public static let defaultPath = "/var/lib/slug/slug.db"
  public static let schemaVersion = Schema.migrations.count
  static let busyTimeoutMilliseconds: Int32 = 5000

  public let path: String
  let database: Database
  /// How many transaction() calls are open; only the outermost one commits.
  private(set) var transactionDepth = 0

  /// The --db option if given, else $SLUG_DB if set and non-empty, else defaultPath.
  public static func resolvePath(option: String?) -> String {
    if let option { return option }
    if let environment = getenv("SLUG_DB"), environment.pointee != 0 {
      return String(cString: environment)
    }
    return defaultPath
  }

  /// Opens the store, creating parent directories (0755) and the file (0640) if missing, and
  /// migrates it to the current schema. Every way of opening refuses a database, -wal or -shm
  /// that is a symbolic link, a FIFO, a device or anything else but a regular file
  /// (StoreFiles), and leaves it as it is. A file from before hashed jabber passwords is migrated
  /// only with `hashingPasswords` (slugctl passes it; the Store does not compile Crypto, which
  /// in.dns and in.dhcp would then carry): it makes an account of a plaintext user.
  public convenience init(
    path: String, hashingPasswords: ((JabberUser) -> JabberAccount)? = nil
  ) throws(StoreError) {
    try self.init(path: path, migratingTo: Self.schemaVersion, hashingPasswords: hashingPasswords)
  }

  /// Opens the store and migrates it to `version` only: tests build files of earlier versions.
  init(
    path: String, migratingTo version: Int,
    busyTimeoutMilliseconds: Int32 = Store.busyTimeoutMilliseconds,
    hashingPasswords: ((JabberUser) -> JabberAccount)? = nil
  ) throws(StoreError) {
    try StoreFiles.check(path)
    try Self.createIfMissing(path)
    self.path = path
    database = try Database(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    // synchronous=FULL: a transaction is on disk when COMMIT returns, so what a client is told
    // (a DHCP ACK) survives a power cut right after it is said. secure_delete: what this
    // connection deletes or overwrites (a legacy password, a migrated plaintext one) is zeroed,
    // not left in free space of the file.
    try database.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON")
    try enableWAL(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    try migrate(to: version, hashingPasswords: hashingPasswords)
  }

  /// Opens an existing store for reading only, as the daemons that serve its data do: no file
  /// is created and nothing migrated (a reader must not change the file under slugctl), so a
  /// file at another schema version than this slug's is refused. In WAL mode a reader never
  /// waits for a writer; the busy timeout covers the rare moments SQLite itself needs the lock.
  public convenience init(readingFrom path: String) throws(StoreError) {
    try self.init(existing: path, writable: false)
  }

  /// Opens an existing store for a daemon that records what it does (in.dhcp's leases): as
  /// `readingFrom`, nothing is created or migrated, but it may write, and every commit is on
  /// disk when it returns.
  public convenience init(writingTo path: String) throws(StoreError) {
    try self.init(existing: path, writable: true)
    try database.execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL")
  }

  private init(existing path: String, writable: Bool) throws(StoreError) {
    try StoreFiles.check(path)
    guard access(path, F_OK) == 0 || slug_errno() != ENOENT else { throw .missing(path: path) }
    self.path = path
    database = try Database(path: path, readOnly: !writable, busyTimeoutMilliseconds: Self.busyTimeoutMilliseconds)
    let found = try userVersion()
    if found > Self.schemaVersion {
      throw .schemaTooNew(path: path, found: found, supported: Self.schemaVersion)
    }
    if found < Self.schemaVersion {
      throw .schemaTooOld(path: path, found: found, supported: Self.schemaVersion)
    }
  }

  /// WAL is a property of the file, switched on once by whichever connection gets there first.
  /// The switch needs an exclusive lock that SQLite does not wait for (it skips the busy handler
  /// to avoid deadlock when another connection also holds a shared lock), so the wait is here.
  private func enableWAL(busyTimeoutMilliseconds: Int32) throws(StoreError) {
    var waited: Int32 = 0
    while true {
      do throws(StoreError) {
        if try database.row("PRAGMA journal_mode", map: { $0.text(0) }) != "wal" {
          _ = try database.row("PRAGMA journal_mode = WAL") { $0.text(0) }
        }
        return
      } catch {
        guard case .busy = error, waited < busyTimeoutMilliseconds else { throw error }
        usleep(10_000)
        waited += 10
      }
    }
  }

  /// Creates the parent directories and an empty database file with mode 0640, whatever the
  /// umask, before SQLite opens it (SQLite would create it 0644 less the umask).
  private static func createIfMissing(_ path: String) throws(StoreError) {
    guard access(path, F_OK) != 0 else { return }
    if let slash = path.lastIndex(of: "/") {
      do throws(StoreError) {
        try Directory.create(String(path[..<slash]), mode: 0o755)
      } catch {
        throw .cannotOpen(path: path, reason: error.description)
      }
    }
    // O_EXCL with O_CREAT never follows a link; O_NOFOLLOW says so to the reader.
    let descriptor = slug_open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o640)
    if descriptor < 0 {
      let error = slug_errno()
      // Another process created it between access() and open(): theirs is as good as ours.
      guard error == EEXIST else { throw .cannotOpen(path: path, reason: reason(error)) }
      return
    }
    defer { close(descriptor) }
    guard fchmod(descriptor, 0o640) == 0 else { throw .cannotOpen(path: path, reason: reason(slug_errno())) }
  }

  private static func reason(_ error: Int32) -> String { String(cString: strerror(error)) }

  /// The schema version the file is at.
  func userVersion() throws(StoreError) -> Int {
    Int(try database.row("PRAGMA user_version") { $0.int(0) } ?? 0)
  }

  private func migrate(to target: Int, hashingPasswords: ((JabberUser) -> JabberAccount)?) throws(StoreError) {
    let found = try userVersion()
    if found > Self.schemaVersion {
      throw .schemaTooNew(path: path, found: found, supported: Self.schemaVersion)
    }
    guard found < target else { return }
    for version in (found + 1)...target {
      try transaction { () throws(StoreError) in
        // Another process may have migrated while this one waited for the write lock.
        guard try userVersion() < version else { return }
        try database.execute(Schema.migrations[version - 1])
        if version == Schema.hashedJabberPasswords { try hashPlaintextJabberUsers(hashingPasswords) }
        try database.execute("PRAGMA user_version = \(version)")
      }
    }
    // Frames of the file from before the migration may still hold plaintext in the WAL.
    if found < Schema.hashedJabberPasswords, target >= Schema.hashedJabberPasswords { truncateWAL() }
  }

  /// Writes every committed page into the database file and empties the WAL, so what was
  /// overwritten lives on in neither (best effort: a reader in the middle of a transaction
  /// keeps the WAL as it is until the next time).
  func truncateWAL() {
    _ = try? database.row("PRAGMA wal_checkpoint(TRUNCATE)") { $0.int(0) }
  }

  /// Runs body in one write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back if body throws.
  /// A nested call joins the outer transaction inside a savepoint, so a throw it lets escape
  /// undoes only its own writes, and nothing is committed before the outermost call returns.
  /// The body is spelled `{ () throws(StoreError) in ... }` (a closure's thrown type is not
  /// inferred from its body).
  public func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    try inTransaction(body, failure: { $0 })
  }

  /// transaction() for a body that throws an error type of its own (slugctl's Failure, when an
  /// import meets a record that contradicts the store): that error rolls the transaction back
  /// and escapes as thrown; a store error of BEGIN or COMMIT becomes one through `failure`.
  public func transaction<T, E: Error>(_ body: () throws(E) -> T, failure: (StoreError) -> E) throws(E) -> T {
    try inTransaction(body, failure: failure)
  }

  #if !hasFeature(Embedded)
  /// transaction() for a body that throws any error; it escapes as thrown. Not in the daemons:
  /// Embedded Swift has no `any Error`.
  public func transaction<T>(_ body: () throws -> T) throws -> T {
    try inTransaction(body, failure: { $0 })
  }
  #endif

  /// Runs body in one read transaction, so every query in it sees the same committed state; in a
  /// write transaction, body simply joins it.
  func reading<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
    guard transactionDepth == 0 else { return try body() }
    try database.execute("BEGIN")
    transactionDepth += 1
    defer { transactionDepth -= 1 }
    let result: T
    do {
      result = try body()
    } catch {
      try? database.execute("ROLLBACK")
      throw error
    }
    // Committing a read-only transaction only releases its snapshot.
    do {
      try database.execute("COMMIT")
    } catch {
      try? database.execute("ROLLBACK")
      throw error
    }
    return result
  }

  /// Changes whenever another connection commits to the file (PRAGMA data_version), so a
  /// long-running reader can tell cheaply when to read its data again.
  public func dataVersion() throws(StoreError) -> Int64 {
    try database.row("PRAGMA data_version") { $0.int(0) } ?? 0
  }

  private func inTransaction<T, Failure: Error>(
    _ body: () throws(Failure) -> T, failure: (StoreError) -> Failure
  ) throws(Failure) -> T {
    let savepoint = "nested\(transactionDepth)"
    do {
      try database.execute(transactionDepth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT \(savepoint)")
    } catch {
      throw failure(error)
    }
    transactionDepth += 1
    let result: T
    do {
      result = try body()
    } catch {
      transactionDepth -= 1
      // A failed rollback leaves nothing to do but report the first error.
      try? database.execute(
        transactionDepth == 0 ? "ROLLBACK" : "ROLLBACK TO \(savepoint); RELEASE \(savepoint)")
      throw error
    }
    transactionDepth -= 1
    do {
      try database.execute(transactionDepth == 0 ? "COMMIT" : "RELEASE \(savepoint)")
    } catch {
      if transactionDepth == 0 { try? database.execute("ROLLBACK") }
      throw failure(error)
    }
    return result
  }
}
