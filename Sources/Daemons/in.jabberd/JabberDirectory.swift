import CLibc

/// The session's users and queued data: the store, or in drop-in mode (-c) the original's user
/// file (re-read when it changes) with the store, if one is named, for offline messages and
/// vCards. The store is opened at the first question, so a connection that never logs in
/// never opens it.
final class JabberDirectory: SessionBackend {
  let databasePath: String?
  private var store: Store?
  private var usersFile: WatchedFile?
  private var fileUsers: [JabberUser] = []
  let log: Log
  /// The client's address as the back-off keys it and the DENIED line names it.
  let clientAddress: String?
  /// The store has (or may have) failures of this address to clear at a successful login.
  private var failuresRecorded = false
  /// SHA-256 of the users file as last read (drop-in mode): the mesh key without a store.
  private(set) var usersFileDigest: [UInt8] = []
  /// Archive rows not yet written, and when they are to be (JabberDirectory+Archive.swift).
  var pendingArchive: [SessionArchiveEntry] = []
  var archiveDue: Deadline?
  var archiveDeadline = Deadline.now()
  static let archiveQuietMilliseconds = 50
  static let archiveDelayMilliseconds = 1000
  static let archiveBatch = 256

  init(databasePath: String?, usersFile: String?, log: Log, clientAddress: String? = nil) {
    self.databasePath = databasePath
    self.usersFile = usersFile.map { WatchedFile(path: $0) }
    self.log = log
    self.clientAddress = clientAddress
  }

  /// The name the mesh prefix is made from: instances on different data never meet.
  var meshPath: String { usersFile?.path ?? databasePath ?? "" }

  /// Whether a store is named (then the mesh key is the store's).
  var hasStore: Bool { databasePath != nil }

  /// The accounts now, as a login reads them, with the error thrown: -n reports it, a login
  /// logs it. A user file that cannot be read or parsed leaves the users last read (none at
  /// first); its users are known by their passwords.
  func readAccounts() throws(StartupError) -> [SessionAccount] {
    if usersFile != nil {
      return try readFileUsers().map { SessionAccount(name: $0.name, password: $0.password) }
    }
    do throws(StoreError) {
      return try openedStore()?.jabberAccounts().map(JabberDirectory.sessionAccount) ?? []
    } catch {
      throw StartupError("store: \(error.description)", exitCode: error.exitCode)
    }
  }

  static func sessionAccount(_ account: JabberAccount) -> SessionAccount {
    func keys(_ credential: JabberCredential) -> SCRAMKeys {
      SCRAMKeys(
        salt: credential.salt, iterations: credential.iterations, storedKey: credential.storedKey,
        serverKey: credential.serverKey)
    }
    return SessionAccount(
      name: account.name, sha1: keys(account.sha1), sha256: keys(account.sha256), password: account.legacyPassword)
  }

  private func readFileUsers() throws(StartupError) -> [JabberUser] {
    if var file = usersFile {
      let contents: [UInt8]?
      do throws(FileError) {
        contents = try file.readIfChanged()
      } catch {
        usersFile = file
        throw StartupError(error.description, exitCode: error.exitCode)
      }
      usersFile = file
      if let contents {
        usersFileDigest = SHA256.hash(Array("slug mesh key of a users file\u{0}".utf8) + contents)
        do throws(FormatError) {
          fileUsers = try JabberdConf.parse(String(decoding: contents, as: UTF8.self), file: file.path)
        } catch {
          throw StartupError(error.description, exitCode: EX_DATAERR)
        }
      }
    }
    return fileUsers
  }

  /// Opens the store now if one is named (-n's check; serving opens it at the first question).
  func checkStore() throws(StartupError) {
    do throws(StoreError) {
      _ = try openedStore()
    } catch {
      throw StartupError("store: \(error.description)", exitCode: error.exitCode)
    }
  }

  func openedStore() throws(StoreError) -> Store? {
    if let store { return store }
    guard let databasePath else { return nil }
    let opened = try Store(writingTo: databasePath)
    store = opened
    return opened
  }

  func openStore() -> Store? {
    do throws(StoreError) {
      return try openedStore()
    } catch {
      log.error("store: \(error.description)")
      return nil
    }
  }

  private func accounts() -> [SessionAccount] {
    do throws(StartupError) {
      return try readAccounts()
    } catch {
      log.error(error.message)
      return fileUsers.map { SessionAccount(name: $0.name, password: $0.password) }
    }
  }

  func account(named name: String) -> SessionAccount? {
    if usersFile == nil {
      guard let store = openStore() else { return nil }
      do throws(StoreError) {
        return try store.jabberAccount(named: name).map(JabberDirectory.sessionAccount)
      } catch {
        log.error("store: \(error.description)")
        return nil
      }
    }
    let wanted = ASCII.lowercased(name)
    return accounts().first(where: { ASCII.lowercased($0.name) == wanted })
  }

  func userNames() -> [String] { accounts().map { $0.name } }

  // MARK: Decoys and the back-off, kept in the store (none without one)

  func decoySecret() -> [UInt8]? {
    // Drop-in mode's accounts get fresh salts at each login: so do the decoys.
    guard usersFile == nil, let store = openStore() else { return nil }
    do throws(StoreError) {
      return Array(try store.jabberDecoySecret(random: { Random.bytes(32) }).utf8)
    } catch {
      log.error("store: \(error.description)")
      return nil
    }
  }

  func loginDelay(now: Int64) -> Int64 {
    guard let clientAddress, let store = openStore() else { return 0 }
    do throws(StoreError) {
      guard let delay = try store.loginDelay(address: clientAddress, now: now) else { return 0 }
      failuresRecorded = true
      return delay
    } catch {
      log.error("store: \(error.description)")
      return 0
    }
  }

  func loginFailed(now: Int64) {
    guard let clientAddress, let store = openStore() else { return }
    do throws(StoreError) {
      let limits = try store.loginDelayLimits()
      try store.recordLoginFailure(address: clientAddress, now: now, base: limits.base, cap: limits.cap)
      failuresRecorded = true
    } catch {
      log.error("store: \(error.description)")
    }
  }

  /// A login clears the address's failures only when there were any: the common login then
  /// writes nothing to the store.
  func loginSucceeded(now: Int64) {
    guard failuresRecorded, let clientAddress, let store = openStore() else { return }
    do throws(StoreError) {
      try store.clearLoginFailures(address: clientAddress)
    } catch {
      log.error("store: \(error.description)")
    }
  }

  func vCard(of user: String) -> String? {
    guard let store = openStore() else { return nil }
    do throws(StoreError) {
      return try store.vCard(of: user)
    } catch {
      log.error("store: \(error.description)")
      return nil
    }
  }

  func setVCard(_ vCard: String, of user: String) -> SessionStoreOutcome {
    guard let store = openStore() else { return .unavailable }
    do throws(StoreError) {
      try store.setVCard(of: user, vCard)
      return .done
    } catch {
      return outcome(of: error)
    }
  }

  func storeOfflineMessage(_ stanza: String, to user: String, at time: Int64) -> SessionStoreOutcome {
    guard let store = openStore() else { return .unavailable }
    do throws(StoreError) {
      try store.storeOfflineMessage(to: user, stanza: stanza, at: time)
      return .done
    } catch {
      return outcome(of: error)
    }
  }

  func offlineMessages(for user: String) -> [SessionOfflineMessage] {
    guard let store = openStore() else { return [] }
    do throws(StoreError) {
      return try store.offlineMessages(for: user).map {
        SessionOfflineMessage(id: $0.id, stanza: $0.stanza, stored: $0.stored)
      }
    } catch {
      log.error("store: \(error.description)")
      return []
    }
  }

  func deleteOfflineMessages(for user: String, upTo id: Int64) {
    guard let store = openStore() else { return }
    do throws(StoreError) {
      try store.deleteOfflineMessages(for: user, upTo: id)
    } catch {
      log.error("store: \(error.description)")
    }
  }

  /// A full queue (StoreError.invalid) is the sender's resource-constraint; anything else means
  /// the store cannot take it now.
  func outcome(of error: StoreError) -> SessionStoreOutcome {
    log.error("store: \(error.description)")
    if case .invalid = error { return .full }
    return .unavailable
  }

  /// The body's result, or nil with the store's error logged.
  func logging<T>(_ body: () throws(StoreError) -> T) -> T? {
    do throws(StoreError) {
      return try body()
    } catch {
      log.error("store: \(error.description)")
      return nil
    }
  }
}
