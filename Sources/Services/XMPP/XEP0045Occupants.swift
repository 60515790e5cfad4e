#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0045 rooms as the sessions share them. A room's occupants live in no one place: each
/// session knows the rooms its own client is in (its nick and affiliation in each) and tells the
/// others over the mesh, in its hello's STATE words (`room=ROOM.NICK.AFFILIATION`, room and
/// nick in hex: a nickname is free text) and in a `room` message at each join, leave or nick
/// change. So a session sending to a room finds the occupants' processes among its peers,
/// with no store read on the way.

/// What a user is to a room (§5.2); `none` is an open room's visitor from outside.
public enum RoomAffiliation: String, Equatable, Sendable {
  case owner, admin, member, none, outcast

  /// The role that goes with it here (§5.1): owners and admins moderate, everyone else takes part.
  var role: String {
    switch self {
    case .owner, .admin: "moderator"
    case .member, .none: "participant"
    case .outcast: "none"
    }
  }

  /// May set the subject and is let into a members-only room.
  var isMember: Bool { self == .owner || self == .admin || self == .member }
}

/// A session's place in one room.
public struct RoomSeat: Equatable, Sendable {
  public var nick: String
  public var affiliation: RoomAffiliation
  /// The occupant's show (away, chat, dnd, xa; empty: available) and status in the room, which
  /// a joiner gets (§7.2.3) whenever the seat became known.
  public var show: String
  public var status: String
  /// The occupant's last presence in the room as the occupants got it, whole (a `room`
  /// message); nil for a seat known from a hello or state words alone.
  public var presence: String?
  public init(nick: String, affiliation: RoomAffiliation, show: String = "", status: String = "", presence: String? = nil) {
    self.nick = nick
    self.affiliation = affiliation
    self.show = show
    self.status = status
    self.presence = presence
  }

  static let shows: Set<String> = ["", "away", "chat", "dnd", "xa"]

  /// `room=ROOM.NICK.AFFILIATION.SHOW.STATUS` (hex, hex, word, word, hex).
  static func word(room: String, seat: RoomSeat) -> String {
    "room=" + Hex.lowercase(room.utf8) + "." + Hex.lowercase(seat.nick.utf8) + "." + seat.affiliation.rawValue + "."
      + seat.show + "." + Hex.lowercase(seat.status.utf8)
  }

  /// The room and seat of a STATE word (a process of the version before show and status were
  /// in it sends three parts), nil for anything else.
  static func parse(_ word: Substring) -> (room: String, seat: RoomSeat)? {
    guard word.hasPrefix("room=") else { return nil }
    let parts = word.dropFirst(5).split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3 || parts.count == 5, let room = Hex.decode(String(parts[0])),
      let nick = Hex.decode(String(parts[1])), !room.isEmpty, !nick.isEmpty,
      let affiliation = RoomAffiliation(rawValue: String(parts[2]))
    else { return nil }
    var seat = RoomSeat(nick: String(decoding: nick, as: UTF8.self), affiliation: affiliation)
    if parts.count == 5 {
      guard shows.contains(String(parts[3])), let status = parts[4].isEmpty ? [] : Hex.decode(String(parts[4])) else {
        return nil
      }
      seat.show = String(parts[3])
      seat.status = String(decoding: status, as: UTF8.self)
    }
    return (String(decoding: room, as: UTF8.self), seat)
  }
}

extension SessionMeshState {
  /// A state message's room words carry no presences: the seats it keeps keep theirs.
  func keepingRoomPresences(of previous: SessionMeshState?) -> SessionMeshState {
    var state = self
    for (room, seat) in rooms {
      if let known = previous?.rooms[room], known.nick == seat.nick { state.rooms[room]?.presence = known.presence }
    }
    return state
  }
}

/// A join, presence change, nick change or leave in a room, for every other session:
///
///     room\nROOM\nNICK\nPREVIOUS\nAFFILIATION\nPRESENCE
///
/// PREVIOUS is the old nick of a nick change (else empty); AFFILIATION is empty when the
/// occupant left. PRESENCE is what the occupants' clients get, without `from` and `to`.
public struct SessionRoomPresence: Equatable, Sendable {
  public var room: String
  public var nick: String
  public var previousNick: String?
  /// nil: the occupant left.
  public var affiliation: RoomAffiliation?
  public var xml: String

  var bytes: [UInt8] {
    Array(
      ("room\n" + room + "\n" + nick + "\n" + (previousNick ?? "") + "\n" + (affiliation?.rawValue ?? "") + "\n" + xml).utf8)
  }

  init(room: String, nick: String, previousNick: String? = nil, affiliation: RoomAffiliation?, xml: String) {
    self.room = room
    self.nick = nick
    self.previousNick = previousNick
    self.affiliation = affiliation
    self.xml = xml
  }

  /// The message after its kind line.
  init?(fields bytes: [UInt8]) {
    let fields = bytes.split(separator: 0x0A, maxSplits: 5, omittingEmptySubsequences: false)
    guard fields.count == 6, !fields[1].isEmpty, !fields[2].isEmpty else { return nil }
    room = String(decoding: fields[1], as: UTF8.self)
    nick = String(decoding: fields[2], as: UTF8.self)
    previousNick = fields[3].isEmpty ? nil : String(decoding: fields[3], as: UTF8.self)
    let affiliation = String(decoding: fields[4], as: UTF8.self)
    if affiliation.isEmpty {
      self.affiliation = nil
    } else {
      guard let known = RoomAffiliation(rawValue: affiliation) else { return nil }
      self.affiliation = known
    }
    xml = String(decoding: fields[5], as: UTF8.self)
    guard xml.hasPrefix("<presence") else { return nil }
  }
}

/// A room as the store keeps it (Store+JabberRooms.swift), read when a client joins.
public struct SessionRoom: Equatable, Sendable {
  public var name: String
  /// Empty: a default is shown.
  public var title: String
  public var membersOnly: Bool
  /// Every account is a member (the room for everyone).
  public var standing: Bool
  public var subject: String
  public var subjectBy: String
  /// Users in ASCII lower case and their affiliations (owner, admin, member, outcast).
  public var affiliations: [String: RoomAffiliation]
  /// What a join must carry (§7.2.6); empty: none.
  public var password = ""

  public init(
    name: String, title: String = "", membersOnly: Bool = false, standing: Bool = false, subject: String = "",
    subjectBy: String = "", affiliations: [String: RoomAffiliation] = [:]
  ) {
    self.name = name
    self.title = title
    self.membersOnly = membersOnly
    self.standing = standing
    self.subject = subject
    self.subjectBy = subjectBy
    self.affiliations = affiliations
  }

  public func affiliation(of user: String) -> RoomAffiliation {
    affiliations[ASCII.lowercased(user)] ?? (standing ? .member : .none)
  }

  /// Whom the room is listed to (disco#items): everyone for an open room.
  func isVisible(to user: String) -> Bool {
    !membersOnly || affiliation(of: user).isMember
  }
}

/// A message of a room, in its archive (XEP-0313 §5): the stanza as the occupants got it,
/// without `to` and without the room's stanza-id (`id`, added again when it is read), with
/// `xmlns='jabber:client'` (a query's result forwards it).
public struct SessionRoomMessage: Equatable, Sendable {
  public var room: String
  /// The archive id, the XEP-0359 stanza-id the occupants got (by the room's JID).
  public var id: String
  /// Unix time (ms).
  public var stamp: Int64
  /// The sender's local part and resource, and nick in the room.
  public var sender: String
  public var senderResource: String
  public var nick: String
  public var stanza: String
  public init(room: String, id: String, stamp: Int64, sender: String, senderResource: String, nick: String, stanza: String) {
    self.room = room
    self.id = id
    self.stamp = stamp
    self.sender = sender
    self.senderResource = senderResource
    self.nick = nick
    self.stanza = stanza
  }
}

/// The rooms in the store: none without one (drop-in mode), so every join is then refused.
public protocol SessionRoomBackend {
  func room(named name: String) -> SessionRoom?
  func rooms() -> [SessionRoom]
  /// Makes a room owned by `owner` (an instant room, XEP-0045 §10.1.2): `.full` when a limit
  /// is reached or the name is not one a room may have.
  mutating func createRoom(named name: String, owner: String, at time: Int64) -> SessionStoreOutcome
  mutating func configureRoom(named name: String, title: String, membersOnly: Bool) -> SessionStoreOutcome
  mutating func setRoomPassword(named name: String, _ password: String) -> SessionStoreOutcome
  mutating func setRoomSubject(_ subject: String, by nick: String, in room: String) -> SessionStoreOutcome
  /// Sets what `user` (an account) is to the room (none: no row).
  mutating func setRoomAffiliation(_ affiliation: RoomAffiliation, of user: String, in room: String) -> SessionStoreOutcome
  /// Removes a room (its owner's §10.9); `.full` for the standing room.
  mutating func destroyRoom(named name: String) -> SessionStoreOutcome
  /// The last `limit` messages stamped at or after `since` (Unix ms) that the archive's
  /// retention keeps at `now` (ms), oldest first.
  func roomHistory(of room: String, limit: Int, since: Int64, now: Int64) -> [SessionRoomMessage]
  /// Done by the daemon after the messages to the occupants are sent (`.storeRoomMessage`).
  mutating func storeRoomMessage(_ message: SessionRoomMessage)
}

extension SessionRoomBackend {
  public func room(named name: String) -> SessionRoom? { nil }
  public func rooms() -> [SessionRoom] { [] }
  public mutating func createRoom(named name: String, owner: String, at time: Int64) -> SessionStoreOutcome { .unavailable }
  public mutating func configureRoom(named name: String, title: String, membersOnly: Bool) -> SessionStoreOutcome {
    .unavailable
  }
  public mutating func setRoomSubject(_ subject: String, by nick: String, in room: String) -> SessionStoreOutcome {
    .unavailable
  }
  public mutating func setRoomAffiliation(_ affiliation: RoomAffiliation, of user: String, in room: String)
    -> SessionStoreOutcome
  { .unavailable }
  public mutating func destroyRoom(named name: String) -> SessionStoreOutcome { .unavailable }
  public mutating func setRoomPassword(named name: String, _ password: String) -> SessionStoreOutcome { .unavailable }
  public func roomHistory(of room: String, limit: Int, since: Int64, now: Int64) -> [SessionRoomMessage] { [] }
  public mutating func storeRoomMessage(_ message: SessionRoomMessage) {}
}
