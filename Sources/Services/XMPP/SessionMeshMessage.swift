/// What one in.jabberd process tells another over their mesh connection: one seqpacket message
/// each, UTF-8 text, a kind line then its fields, one a line, the XML last (it may hold newlines).
///
///     hello\nUSER\nRESOURCE\nSINCE\nTOKEN\nPRIORITY\nSTATE\n[PRESENCE]  first on every new connection, both ways
///     presence\nPRIORITY\nQUEUED\nPRESENCE                       a broadcast presence change
///     stanza\nXML                                        a stanza for the receiving client
///     complete\nXML                                      the same, with its from and to (a carbon)
///     queued                                             stanzas wait in the receiver's stream queue
///     state\nSTATE                                       the sender's STATE changed
///     users-changed                                      slugctl changed the user list
///     pep\nOWNER\nNODE\nEVENT                          an event of OWNER's PEP node (XEP0163PEP.swift)
///     room\nROOM\nNICK\nPREVIOUS\nAFFILIATION\nPRESENCE       a room join, leave or change (XEP0045Occupants.swift)
///     rooms-changed                                      slugctl changed the rooms (or an admin a room)
///     kick\nROOM\nNICK                                    a moderator kicked NICK (XEP0045Admin.swift)
///
/// PRESENCE and XML are serialised elements without `from` (the receiver knows the sender from
/// the hello and stamps it). PRIORITY is the sender's presence priority, `-` when it is not
/// available (then a hello has no PRESENCE and a presence change is its unavailable presence). SINCE (login
/// time, milliseconds) and TOKEN (random) order two sessions of one full JID: the older yields.
/// STATE is space-separated words (SessionMeshState). QUEUED names the streams the sender
/// already put the presence in (space-separated ids; XEP-0198): those receivers write it from
/// their queue.
public enum SessionMeshMessage: Equatable, Sendable {
  /// The largest message the mesh carries (PeerMesh.maximumMessageBytes).
  public static let maximumBytes = 262_144

  case hello(SessionMeshHello)
  case presence(priority: Int?, queued: [String], xml: String)
  case stanza(String)
  /// A stanza with its `from` and `to` (a carbon copy, XEP-0280), written as it is.
  case complete(String)
  case queued
  case state(SessionMeshState)
  case usersChanged
  case pep(owner: String, node: String, xml: String)
  case room(SessionRoomPresence)
  case roomsChanged
  case kick(room: String, nick: String)

  public var bytes: [UInt8] {
    switch self {
    case .hello(let hello):
      return Array(
        ("hello\n" + hello.user + "\n" + hello.resource + "\n" + "\(hello.since)\n" + "\(hello.token)\n"
          + SessionMeshMessage.priorityField(hello.priority) + "\n" + hello.state.text + "\n" + (hello.presence ?? "")).utf8)
    case .presence(let priority, let queued, let xml):
      return Array(
        ("presence\n" + SessionMeshMessage.priorityField(priority) + "\n" + queued.joined(separator: " ") + "\n" + xml).utf8)
    case .stanza(let xml): return Array(("stanza\n" + xml).utf8)
    case .complete(let xml): return Array(("complete\n" + xml).utf8)
    case .queued: return Array("queued".utf8)
    case .state(let state): return Array(("state\n" + state.text).utf8)
    case .usersChanged: return Array("users-changed".utf8)
    case .pep(let owner, let node, let xml): return Array(("pep\n" + owner + "\n" + node + "\n" + xml).utf8)
    case .room(let presence): return presence.bytes
    case .roomsChanged: return Array("rooms-changed".utf8)
    case .kick(let room, let nick): return Array(("kick\n" + room + "\n" + nick).utf8)
    }
  }

  /// nil for anything else (a foreign or garbled message is ignored, not trusted).
  public init?(_ bytes: [UInt8]) {
    guard bytes.count <= 1 << 20 else { return nil }
    var lines = bytes.split(separator: 0x0A, maxSplits: 7, omittingEmptySubsequences: false)
    let kind = String(decoding: lines.removeFirst(), as: UTF8.self)
    switch kind {
    case "users-changed" where lines.isEmpty:
      self = .usersChanged
    case "queued" where lines.isEmpty:
      self = .queued
    case "rooms-changed" where lines.isEmpty:
      self = .roomsChanged
    case "kick":
      let fields = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
      guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty else { return nil }
      self = .kick(room: String(decoding: fields[1], as: UTF8.self), nick: String(decoding: fields[2], as: UTF8.self))
    case "room":
      guard let presence = SessionRoomPresence(fields: bytes) else { return nil }
      self = .room(presence)
    case "state" where lines.count == 1:
      self = .state(SessionMeshState(String(decoding: lines[0], as: UTF8.self)))
    case "stanza", "complete":
      guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
      let xml = String(decoding: bytes[(newline + 1)...], as: UTF8.self)
      guard xml.hasPrefix("<") else { return nil }
      self = kind == "stanza" ? .stanza(xml) : .complete(xml)
    case "pep":
      let fields = bytes.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false)
      guard fields.count == 4, !fields[1].isEmpty, !fields[2].isEmpty, fields[3].first == 0x3C else { return nil }
      self = .pep(
        owner: String(decoding: fields[1], as: UTF8.self), node: String(decoding: fields[2], as: UTF8.self),
        xml: String(decoding: fields[3], as: UTF8.self))
    case "presence":
      let fields = bytes.split(separator: 0x0A, maxSplits: 3, omittingEmptySubsequences: false)
      guard fields.count == 4, let priority = SessionMeshMessage.priority(fields[1]) else { return nil }
      let xml = String(decoding: fields[3], as: UTF8.self)
      guard xml.hasPrefix("<") else { return nil }
      let queued = fields[2].split(separator: 0x20).map { String(decoding: $0, as: UTF8.self) }
      self = .presence(priority: priority.value, queued: queued, xml: xml)
    case "hello":
      guard lines.count == 7, let priority = SessionMeshMessage.priority(lines[4]) else { return nil }
      let user = String(decoding: lines[0], as: UTF8.self)
      let resource = String(decoding: lines[1], as: UTF8.self)
      guard !user.isEmpty, !resource.isEmpty,
        let since = Int64(String(decoding: lines[2], as: UTF8.self)),
        let token = UInt64(String(decoding: lines[3], as: UTF8.self))
      else { return nil }
      let state = SessionMeshState(String(decoding: lines[5], as: UTF8.self))
      let presence = String(decoding: lines[6], as: UTF8.self)
      guard (priority.value == nil) == presence.isEmpty, presence.isEmpty || presence.hasPrefix("<") else {
        return nil
      }
      self = .hello(
        SessionMeshHello(
          user: user, resource: resource, since: since, token: token, priority: priority.value, state: state,
          presence: presence.isEmpty ? nil : presence))
    default:
      return nil
    }
  }

  private static func priorityField(_ priority: Int?) -> String {
    guard let priority else { return "-" }
    return "\(priority)"
  }

  /// The field's priority (`value` nil for `-`), or nil when the field is garbled.
  private static func priority(_ field: ArraySlice<UInt8>) -> (value: Int?, ())? {
    let text = String(decoding: field, as: UTF8.self)
    if text == "-" { return (nil, ()) }
    guard let value = Int(text), (-128...127).contains(value) else { return nil }
    return (value, ())
  }
}

public struct SessionMeshHello: Equatable, Sendable {
  public var user: String
  public var resource: String
  public var since: Int64
  public var token: UInt64
  /// nil when not available.
  public var priority: Int?
  public var state: SessionMeshState
  public var presence: String?

  public init(
    user: String, resource: String, since: Int64, token: UInt64, priority: Int?, state: SessionMeshState = SessionMeshState(),
    presence: String?
  ) {
    self.user = user
    self.resource = resource
    self.since = since
    self.token = token
    self.priority = priority
    self.state = state
    self.presence = presence
  }
}

/// What a session's peers need to know of it beyond its presence: where its stanzas wait
/// (XEP-0198), whether it takes carbons (XEP-0280) and whether its client is inactive
/// (XEP-0352), and its client's rooms (XEP-0045). As words: `stream=ID`, `resume=ID`, `carbons`,
/// `inactive`, `room=ROOM.NICK.AFFILIATION` (RoomSeat); unknown words are ignored.
public struct SessionMeshState: Equatable, Sendable {
  /// The session's resumable stream: what is for its client goes into this queue first.
  public var stream: String?
  /// The session is taking this stream over from an older process (which then ends quietly).
  public var resuming: String?
  public var carbons = false
  /// Presence for it is held back in its process, not queued in its stream.
  public var inactive = false
  /// The rooms its client is in, by name.
  public var rooms: [String: RoomSeat] = [:]

  public init(
    stream: String? = nil, resuming: String? = nil, carbons: Bool = false, inactive: Bool = false,
    rooms: [String: RoomSeat] = [:]
  ) {
    self.stream = stream
    self.resuming = resuming
    self.carbons = carbons
    self.inactive = inactive
    self.rooms = rooms
  }

  init(_ text: String) {
    for word in text.split(separator: " ") {
      if word == "carbons" {
        carbons = true
      } else if word == "inactive" {
        inactive = true
      } else if word.hasPrefix("stream=") {
        stream = String(word.dropFirst(7))
      } else if word.hasPrefix("resume=") {
        resuming = String(word.dropFirst(7))
      } else if let (room, seat) = RoomSeat.parse(word) {
        rooms[room] = seat
      }
    }
    if stream?.isEmpty == true { stream = nil }
    if resuming?.isEmpty == true { resuming = nil }
  }

  var text: String {
    var words: [String] = []
    if let stream { words.append("stream=" + stream) }
    if let resuming { words.append("resume=" + resuming) }
    if carbons { words.append("carbons") }
    if inactive { words.append("inactive") }
    for (room, seat) in rooms.sorted(by: { $0.key < $1.key }) { words.append(RoomSeat.word(room: room, seat: seat)) }
    return words.joined(separator: " ")
  }
}
