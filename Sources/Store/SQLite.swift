import CSQLite

/// SQLite's "copy the bytes now" destructor, which the C macro SQLITE_TRANSIENT spells as a cast
/// Swift cannot import.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to a statement parameter; nil binds NULL. (An enum rather than a protocol the
/// bound types conform to: Embedded Swift, which in.dns compiles the store with, has no
/// existentials of such protocols and no parameter packs to carry them.)
enum SQLValue {
  case integer(Int64?)
  case text(String?)
  case blob([UInt8])

  func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
    switch self {
    case .integer(let value?): sqlite3_bind_int64(statement, index, value)
    case .text(let value?): sqlite3_bind_text(statement, index, value, -1, SQLITE_TRANSIENT)
    case .integer(nil), .text(nil): sqlite3_bind_null(statement, index)
    case .blob(let value):
      value.withUnsafeBytes { bytes in
        // sqlite3_bind_blob binds NULL for a null pointer; an empty array is an empty blob.
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
          return sqlite3_bind_zeroblob(statement, index, 0)
        }
        guard let count = Int32(exactly: bytes.count) else { return SQLITE_TOOBIG }
        return sqlite3_bind_blob(statement, index, base, count, SQLITE_TRANSIENT)
      }
    }
  }
}

/// One result row, valid only inside the closure it is passed to.
struct Row {
  let statement: OpaquePointer
  let database: Database

  func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

  func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

  func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }

  func text(_ column: Int32) -> String {
    guard let bytes = sqlite3_column_text(statement, column) else { return "" }
    return String(cString: bytes)
  }

  func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

  func blob(_ column: Int32) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(statement, column))
    guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
    return Array(UnsafeRawBufferPointer(start: bytes, count: count))
  }

  /// The column's text parsed into a value; a value that does not parse means the file was
  /// damaged or edited by hand, and is reported rather than trusted.
  func parsed<T>(_ column: Int32, _ parse: (String) -> T?) throws(StoreError) -> T {
    let raw = text(column)
    guard let value = parse(raw) else {
      let name = sqlite3_column_name(statement, column).map { String(cString: $0) } ?? "column \(column)"
      throw .io("\(database.path): stored \(name) '\(raw)' does not parse")
    }
    return value
  }

  func optionalParsed<T>(_ column: Int32, _ parse: (String) -> T?) throws(StoreError) -> T? {
    isNull(column) ? nil : try parsed(column, parse)
  }
}

/// One SQLite connection with a cache of prepared statements. Not shared between threads
/// (opened with SQLITE_OPEN_NOMUTEX).
final class Database {
  let path: String
  private let handle: OpaquePointer
  private var statements: [String: OpaquePointer] = [:]

  /// Opens PATH, creating it if missing; read-only, an existing file only. A symbolic link at
  /// PATH is refused (SQLITE_OPEN_NOFOLLOW; the directory's own links are resolved first).
  init(path: String, readOnly: Bool = false, busyTimeoutMilliseconds: Int32) throws(StoreError) {
    var handle: OpaquePointer?
    let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    let flags = access | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
    let code = sqlite3_open_v2(StoreFiles.resolved(path), &handle, flags, nil)
    guard code == SQLITE_OK, let handle else {
      let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
      sqlite3_close_v2(handle)
      throw .cannotOpen(path: path, reason: reason)
    }
    self.path = path
    self.handle = handle
    sqlite3_extended_result_codes(handle, 1)
    sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
    if !readOnly {
      // Keep the -wal and -shm files when the last writer closes: a read-only connection (a
      // daemon running as another user, who cannot create files beside the store) can open a
      // WAL store only while they exist.
      var persist: Int32 = 1
      sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
    }
  }

  deinit {
    for statement in statements.values { sqlite3_finalize(statement) }
    sqlite3_close_v2(handle)
  }

  /// Runs a script of one or more statements that bind nothing (schema, PRAGMA, BEGIN).
  func execute(_ sql: String) throws(StoreError) {
    let code = sqlite3_exec(handle, sql, nil, nil, nil)
    guard code == SQLITE_OK else { throw error(code) }
  }

  /// Runs one statement for its effect; returns the number of rows it changed.
  @discardableResult
  func run(_ sql: String, _ values: SQLValue...) throws(StoreError) -> Int {
    try withStatement(sql, values) { statement throws(StoreError) in
      let code = sqlite3_step(statement)
      guard code == SQLITE_DONE || code == SQLITE_ROW else { throw error(code) }
      return Int(sqlite3_changes(handle))
    }
  }

  /// Runs a query and maps every row.
  func rows<T>(
    _ sql: String, _ values: SQLValue..., map: (Row) throws(StoreError) -> T
  ) throws(StoreError) -> [T] {
    try withStatement(sql, values) { statement throws(StoreError) in
      var result: [T] = []
      while true {
        let code = sqlite3_step(statement)
        if code == SQLITE_DONE { return result }
        guard code == SQLITE_ROW else { throw error(code) }
        result.append(try map(Row(statement: statement, database: self)))
      }
    }
  }

  /// Runs a query and maps its first row, if any.
  func row<T>(
    _ sql: String, _ values: SQLValue..., map: (Row) throws(StoreError) -> T
  ) throws(StoreError) -> T? {
    try withStatement(sql, values) { statement throws(StoreError) in
      let code = sqlite3_step(statement)
      if code == SQLITE_DONE { return nil }
      guard code == SQLITE_ROW else { throw error(code) }
      return try map(Row(statement: statement, database: self))
    }
  }

  var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Prepares SQL once per connection and reuses it; the statement is reset and its bindings
  /// cleared after every use, so a failed step leaves nothing locked.
  private func withStatement<T>(
    _ sql: String, _ values: [SQLValue], _ body: (OpaquePointer) throws(StoreError) -> T
  ) throws(StoreError) -> T {
    let statement = try prepared(sql)
    defer {
      sqlite3_reset(statement)
      sqlite3_clear_bindings(statement)
    }
    for (index, value) in values.enumerated() {
      let code = value.bind(to: statement, at: Int32(index + 1))
      guard code == SQLITE_OK else { throw error(code) }
    }
    return try body(statement)
  }

  private func prepared(_ sql: String) throws(StoreError) -> OpaquePointer {
    if let statement = statements[sql] { return statement }
    var statement: OpaquePointer?
    let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
    guard code == SQLITE_OK, let statement else { throw error(code) }
    statements[sql] = statement
    return statement
  }

  /// Maps an SQLite result code onto the store's errors. Constraint failures are normally
  /// caught earlier with a message naming the value; this is the backstop.
  func error(_ code: Int32) -> StoreError {
    let message = "\(path): \(String(cString: sqlite3_errmsg(handle)))"
    switch code & 0xff {
    case SQLITE_BUSY, SQLITE_LOCKED: return .busy(message)
    case SQLITE_CONSTRAINT: return .duplicate(message)
    case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH:
      return .cannotOpen(path: path, reason: String(cString: sqlite3_errmsg(handle)))
    default: return .io(message)
    }
  }
}
