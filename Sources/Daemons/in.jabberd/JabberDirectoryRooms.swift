/// XEP-0045 rooms in the store (Store+JabberRooms.swift), read at a join and written at a
/// room's creation, configuration, subject and each message (into the archive,
/// Store+JabberRoomArchive.swift). A failed store call is logged and answered as "no room" or
/// `.unavailable`; a limit the store refuses is `.full`. Without a store (drop-in mode) there
/// are no rooms.
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
    var session = SessionRoom(
      name: room.name, title: room.title, membersOnly: room.membersOnly, standing: room.standing, subject: room.subject,
      subjectBy: room.subjectBy, affiliations: affiliations)
    session.password = room.password
    return session
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

  func setRoomAffiliation(_ affiliation: RoomAffiliation, of user: String, in room: String) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in
      try store.setJabberRoomAffiliation(room: room, user: user, JabberAffiliation(rawValue: affiliation.rawValue))
    }
  }

  func setRoomPassword(named name: String, _ password: String) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in try store.setJabberRoomPassword(named: name, password) }
  }

  func destroyRoom(named name: String) -> SessionStoreOutcome {
    guard hasStore, let store = openStore() else { return .unavailable }
    return storeOutcome { () throws(StoreError) in try store.removeJabberRoom(named: name) }
  }

  func roomHistory(of room: String, limit: Int, since: Int64, now: Int64) -> [SessionRoomMessage] {
    guard hasStore, let store = openStore() else { return [] }
    return logging { () throws(StoreError) in
      try store.jabberRoomHistory(room: room, limit: limit, since: since, now: now).map {
        SessionRoomMessage(
          room: room, id: $0.uid, stamp: $0.stamp, sender: $0.sender, senderResource: $0.senderResource,
          nick: $0.nick ?? "", stanza: $0.stanza)
      }
    } ?? []
  }

  /// Written at once, not queued as a one-to-one message is: the next joiner, in another
  /// process, reads it in the history. The commit does not wait for the disk (as the archive's).
  func storeRoomMessage(_ message: SessionRoomMessage) {
    guard hasStore, let store = openStore() else { return }
    _ = logging { () throws(StoreError) in
      try store.archiveJabberMessages(
        [
          JabberArchivedMessage(
            uid: message.id, stamp: message.stamp, sender: message.sender, senderResource: message.senderResource,
            recipient: nil, room: message.room, nick: message.nick, stanza: message.stanza)
        ], refused: { (refused, error) in log.error("store: archive \(refused.uid): \(error.description)") })
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
