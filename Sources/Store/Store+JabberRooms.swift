#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// What a user is to a room (XEP-0045 §5.2); no row is `none` (a member in a standing room).
public enum JabberAffiliation: String, Equatable, Sendable, CaseIterable {
  case owner, admin, member, outcast
}

/// An XEP-0045 room of in.jabberd (schema version 13): the sessions read it when a client
/// joins, never while a message is delivered (the occupants travel over the mesh).
public struct JabberRoom: Equatable, Sendable {
  /// The local part of name@conference.DOMAIN, in ASCII lower case.
  public var name: String
  /// Empty: the daemon shows a default (the domain for the standing room, else the name).
  public var title: String
  public var membersOnly: Bool
  /// Every account is a member; the room cannot be removed.
  public var standing: Bool
  /// The account that made it; nil for one made by the store or by slugctl without --owner.
  public var creator: String?
  /// Unix time (s).
  public var created: Int64
  public var subject: String
  /// The nickname that set the subject.
  public var subjectBy: String
  /// Users (as stored) and what they are to the room, by name.
  public var affiliations: [JabberRoomAffiliation]
  /// What a join must carry (schema version 14); empty: none.
  public var password = ""

  public init(
    name: String, title: String = "", membersOnly: Bool = false, standing: Bool = false, creator: String? = nil,
    created: Int64 = 0, subject: String = "", subjectBy: String = "", affiliations: [JabberRoomAffiliation] = []
  ) {
    self.name = name
    self.title = title
    self.membersOnly = membersOnly
    self.standing = standing
    self.creator = creator
    self.created = created
    self.subject = subject
    self.subjectBy = subjectBy
    self.affiliations = affiliations
  }

  /// What `user` is to the room: its row, else member of a standing room, else nil (none).
  public func affiliation(of user: String) -> JabberAffiliation? {
    let wanted = ASCII.lowercased(user)
    if let row = affiliations.first(where: { ASCII.lowercased($0.user) == wanted }) { return row.affiliation }
    return standing ? .member : nil
  }
}

public struct JabberRoomAffiliation: Equatable, Sendable {
  public var user: String
  public var affiliation: JabberAffiliation
  public init(user: String, affiliation: JabberAffiliation) {
    self.user = user
    self.affiliation = affiliation
  }
}

extension Store {
  /// The room every account is in, made by migration 11.
  public static let everyoneRoom = "everyone"
  /// Rooms in all, and rooms one user may make by joining: past them a join is refused.
  public static let maximumJabberRooms = 1000
  public static let maximumJabberRoomsPerCreator = 50
  public static let maximumJabberRoomTitleBytes = 256
  public static let maximumJabberRoomSubjectBytes = 4096

  private static let roomColumns = "name, title, members_only, standing, creator, created, subject, subject_by, password"

  public func jabberRooms() throws(StoreError) -> [JabberRoom] {
    let rooms = try database.rows("SELECT \(Self.roomColumns) FROM jabber_rooms ORDER BY name", map: Self.room)
    let rows = try database.rows("SELECT room, name, affiliation FROM jabber_room_affiliations ORDER BY room, name") {
      (room: $0.text(0), row: Self.affiliation($0, from: 1))
    }
    return rooms.map { room in
      var room = room
      room.affiliations = rows.filter { $0.room == room.name }.compactMap { $0.row }
      return room
    }
  }

  public func jabberRoom(named name: String) throws(StoreError) -> JabberRoom? {
    guard var room = try database.row("SELECT \(Self.roomColumns) FROM jabber_rooms WHERE name = ?", .text(name), map: Self.room)
    else { return nil }
    room.affiliations = try database.rows(
      "SELECT name, affiliation FROM jabber_room_affiliations WHERE room = ? ORDER BY name", .text(room.name)
    ) { Self.affiliation($0, from: 0) }.compactMap { $0 }
    return room
  }

  private static func room(_ row: Row) -> JabberRoom {
    var room = JabberRoom(
      name: row.text(0), title: row.text(1), membersOnly: row.int(2) != 0, standing: row.int(3) != 0,
      creator: row.optionalText(4), created: row.int(5), subject: row.text(6), subjectBy: row.text(7))
    room.password = row.text(8)
    return room
  }

  private static func affiliation(_ row: Row, from column: Int32) -> JabberRoomAffiliation? {
    JabberAffiliation(rawValue: row.text(column + 1)).map { JabberRoomAffiliation(user: row.text(column), affiliation: $0) }
  }

  /// Adds a room with its affiliations (each user an account, named as stored); a room made by
  /// a user's join counts against its creator's limit.
  public func addJabberRoom(_ room: JabberRoom) throws(StoreError) {
    guard JabberUser.isValidName(room.name), room.name == ASCII.lowercased(room.name) else {
      throw .invalid("invalid room name '\(room.name)': 1-64 bytes, lower case, no spaces, none of \"&'/:<>@#")
    }
    try Self.validateTitle(room.title)
    try transaction { () throws(StoreError) in
      if try jabberRoom(named: room.name) != nil { throw .duplicate("room '\(room.name)' already exists") }
      let total = try database.row("SELECT count(*) FROM jabber_rooms") { $0.int(0) } ?? 0
      guard total < Self.maximumJabberRooms else { throw .invalid("too many rooms (\(total))") }
      if let creator = room.creator {
        let made = try database.row("SELECT count(*) FROM jabber_rooms WHERE creator = ?", .text(creator)) { $0.int(0) } ?? 0
        guard made < Self.maximumJabberRoomsPerCreator else { throw .invalid("'\(creator)' made too many rooms (\(made))") }
      }
      try database.run(
        "INSERT INTO jabber_rooms (name, title, members_only, creator, created) VALUES (?, ?, ?, ?, ?)",
        .text(room.name), .text(room.title), .integer(room.membersOnly ? 1 : 0), .text(room.creator), .integer(room.created))
      for row in room.affiliations {
        try setJabberRoomAffiliation(room: room.name, user: row.user, row.affiliation)
      }
    }
  }

  /// Sets what `user` (an account) is to the room; nil removes the row.
  public func setJabberRoomAffiliation(room: String, user: String, _ affiliation: JabberAffiliation?) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let account = try jabberAccount(named: user) else { throw .notFound("no jabber user '\(user)'") }
      guard try jabberRoom(named: room) != nil else { throw .notFound("no room '\(room)'") }
      guard let affiliation else {
        try database.run("DELETE FROM jabber_room_affiliations WHERE room = ? AND name = ?", .text(room), .text(account.name))
        return
      }
      try database.run(
        """
        INSERT INTO jabber_room_affiliations (room, name, affiliation) VALUES (?, ?, ?)
        ON CONFLICT (room, name) DO UPDATE SET affiliation = excluded.affiliation
        """, .text(ASCII.lowercased(room)), .text(account.name), .text(affiliation.rawValue))
    }
  }

  /// Changes a room's title and whether it is members-only (its owner's configuration form).
  public func configureJabberRoom(named name: String, title: String, membersOnly: Bool) throws(StoreError) {
    try Self.validateTitle(title)
    let changed = try database.run(
      "UPDATE jabber_rooms SET title = ?, members_only = ? WHERE name = ?", .text(title), .integer(membersOnly ? 1 : 0),
      .text(name))
    if changed == 0 { throw .notFound("no room '\(name)'") }
  }

  /// Sets the password a join must carry (XEP-0045 §10.2); empty: none.
  public func setJabberRoomPassword(named name: String, _ password: String) throws(StoreError) {
    guard password.utf8.count <= Self.maximumJabberRoomTitleBytes, password.unicodeScalars.allSatisfy({ $0.value >= 0x20 })
    else { throw .invalid("invalid room password: at most \(Self.maximumJabberRoomTitleBytes) bytes, no control characters") }
    let changed = try database.run("UPDATE jabber_rooms SET password = ? WHERE name = ?", .text(password), .text(name))
    if changed == 0 { throw .notFound("no room '\(name)'") }
  }

  /// Removes a room with its affiliations and archive; a standing room stays.
  public func removeJabberRoom(named name: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let room = try jabberRoom(named: name) else { throw .notFound("no room '\(name)'") }
      guard !room.standing else { throw .invalid("room '\(room.name)' is the standing room for everyone: it cannot be removed") }
      try database.run("DELETE FROM jabber_rooms WHERE name = ?", .text(room.name))
      try database.run("DELETE FROM jabber_archive WHERE room = ?", .text(room.name))
    }
  }

  public func setJabberRoomSubject(room: String, subject: String, by nick: String) throws(StoreError) {
    guard subject.utf8.count <= Self.maximumJabberRoomSubjectBytes else {
      throw .invalid("subject too long (\(subject.utf8.count) bytes, at most \(Self.maximumJabberRoomSubjectBytes))")
    }
    let changed = try database.run(
      "UPDATE jabber_rooms SET subject = ?, subject_by = ? WHERE name = ?", .text(subject), .text(nick), .text(room))
    if changed == 0 { throw .notFound("no room '\(room)'") }
  }

  private static func validateTitle(_ title: String) throws(StoreError) {
    guard title.utf8.count <= maximumJabberRoomTitleBytes,
      title.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
    else { throw .invalid("invalid room title: at most \(maximumJabberRoomTitleBytes) bytes, no control characters") }
  }
}
