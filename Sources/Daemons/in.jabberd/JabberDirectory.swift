import CLibc

/// The session's users and queued data: the store, or in drop-in mode (-c) the original's user
/// file (re-read when it changes) with the store, if one is named, for offline messages and
/// vCards. The store is opened at the first question, so a connection that never logs in
/// never opens it.
final class JabberDirectory: SessionBackend {
  private let databasePath: String?
  private var store: Store?
  private var usersFile: WatchedFile?
  private var fileUsers: [JabberUser] = []
  private let log: Log

  init(databasePath: String?, usersFile: String?, log: Log) {
    self.databasePath = databasePath
    self.usersFile = usersFile.map { WatchedFile(path: $0) }
    self.log = log
  }

  /// The name the mesh prefix is made from: instances on different data never meet.
  var meshKey: String { usersFile?.path ?? databasePath ?? "" }

  private func openStore() -> Store? {
    if let store { return store }
    guard let databasePath else { return nil }
    do throws(StoreError) {
      store = try Store(writingTo: databasePath)
    } catch {
      log.error("store: \(error.description)")
    }
    return store
  }

  private func users() -> [JabberUser] {
    if var file = usersFile {
      // A file that cannot be read or parsed leaves the users last read (none at first).
      var contents: [UInt8]?
      do throws(FileError) {
        contents = try file.readIfChanged()
      } catch {
        log.error(error.description)
      }
      usersFile = file
      if let contents {
        do throws(FormatError) {
          fileUsers = try JabberdConf.parse(String(decoding: contents, as: UTF8.self), file: file.path)
        } catch {
          log.error(error.description)
        }
      }
      return fileUsers
    }
    guard let store = openStore() else { return [] }
    do throws(StoreError) {
      return try store.jabberUsers()
    } catch {
      log.error("store: \(error.description)")
      return []
    }
  }

  func account(named name: String) -> SessionAccount? {
    let wanted = JID.asciiLowercased(name)
    guard let user = users().first(where: { JID.asciiLowercased($0.name) == wanted }) else { return nil }
    return SessionAccount(name: user.name, password: user.password)
  }

  func userNames() -> [String] { users().map { $0.name } }

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
  private func outcome(of error: StoreError) -> SessionStoreOutcome {
    log.error("store: \(error.description)")
    if case .invalid = error { return .full }
    return .unavailable
  }
}
