/// XEP-0045 rooms in the store (Store+JabberRooms.swift), read at a join and written at a
/// room's creation, configuration, subject and each message. A failed store call is logged and
/// answered as "no room" or `.unavailable`; a limit the store refuses is `.full`. Without a
/// store (drop-in mode) there are no rooms.
extension JabberDirectory {
  func room(named name: String) -> SessionRoom? {
    guard hasStore, let store = openStore() else { return nil }
    return logging { () throws(StoreError) in try store.jabberRoom(named: name).map(JabberDirectory.sessionRoom) } ?? nil
  }

  func rooms() -> [SessionRoom] {
    guard hasStore, let store = openStore() else { return [] }
    return logging { () throws(StoreError) in try store.jabberRooms().map(JabberDirectory.sessionRoom) } ?? []
  }

  static func sessionRoom(_ room: JabberRoom) -> SessionRoom {
    var affiliations: [String: RoomAffiliation] = [:]
    for row in room.affiliations {
      affiliations[ASCII.lowercased(row.user)] = RoomAffiliation(rawValue: row.affiliation.rawValue)
    }
    return SessionRoom(
      name: room.name, title: room.title, membersOnly: room.membersOnly, standing: room.standing, subject: room.subject,
      subjectBy: room.subjectBy, affiliations: affiliations)
  }

  func createRoom(named name: String, owner: String, at time: Int64) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in
      guard let account = try store.jabberAccount(named: owner) else { throw StoreError.notFound("no jabber user '\(owner)'") }
      try store.addJabberRoom(
        JabberRoom(
          name: name, creator: account.name, created: time,
          affiliations: [JabberRoomAffiliation(user: account.name, affiliation: .owner)]))
    }
  }

  func configureRoom(named name: String, title: String, membersOnly: Bool) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in try store.configureJabberRoom(named: name, title: title, membersOnly: membersOnly) }
  }

  func setRoomSubject(_ subject: String, by nick: String, in room: String) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in try store.setJabberRoomSubject(room: room, subject: subject, by: nick) }
  }

  func roomHistory(of room: String, limit: Int, since: Int64) -> [SessionRoomMessage] {
    guard hasStore, let store = openStore() else { return [] }
    return logging { () throws(StoreError) in
      try store.jabberRoomHistory(room: room, limit: limit, since: since).map {
        SessionRoomMessage(room: room, sender: "", stanza: $0.stanza, stored: $0.stored)
      }
    } ?? []
  }

  func storeRoomMessage(_ message: SessionRoomMessage) {
    guard hasStore, let store = openStore() else { return }
    _ = logging { () throws(StoreError) in
      try store.appendJabberRoomMessage(room: message.room, sender: message.sender, stanza: message.stanza, at: message.stored)
    }
  }

  /// A limit (or a name no room may have) is `.full`; anything else `.unavailable`.
  private func storeOutcome(_ body: () throws(StoreError) -> Void) -> SessionStoreOutcome {
    do throws(StoreError) {
      try body()
      return .done
    } catch {
      return outcome(of: error)
    }
  }
}
