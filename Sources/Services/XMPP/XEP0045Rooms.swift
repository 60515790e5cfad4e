#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

extension StanzaNamespace {
  public static let muc = "http://jabber.org/protocol/muc"
  public static let mucUser = "http://jabber.org/protocol/muc#user"
  public static let mucOwner = "http://jabber.org/protocol/muc#owner"
  public static let dataForms = "jabber:x:data"
}

/// The client's place in a room it joined.
struct JoinedRoom: Equatable {
  var nick: String
  var affiliation: RoomAffiliation
  /// The client's last show and status in the room (RoomSeat).
  var show = ""
  var status = ""
  var seat: RoomSeat { RoomSeat(nick: nick, affiliation: affiliation, show: show, status: status) }

  /// The show and status of a presence the client sent to the room.
  mutating func take(_ stanza: XMLElement) {
    let asked = stanza.child("show")?.text ?? ""
    show = RoomSeat.shows.contains(asked) ? asked : ""
    status = stanza.child("status")?.text ?? ""
  }
}

/// XEP-0045 multi-user chat, the occupant's side: joining, presence and nick changes, leaving,
/// messages to the room and to one occupant. Each session speaks for its own client; the
/// others' seats come from the mesh (XEP0045Occupants.swift). A room message goes from the
/// sender's process straight to every occupant's process (through a resumable stream's queue
/// like any stanza, XEP-0198) and back to the sender; the store is written after, once.
extension Session {
  /// Rooms one session may be in (its hello carries them all).
  static var maximumRooms: Int { 50 }
  static var maximumNickBytes: Int { 256 }

  var roomDomain: String { "conference." + domain }

  func roomAddress(_ room: String, nick: String? = nil) -> String {
    room + "@" + roomDomain + (nick.map { "/" + $0 } ?? "")
  }

  /// The other sessions in a room.
  func occupants(of room: String) -> [(peer: SessionPeer, jid: JID, seat: RoomSeat)] {
    peers.compactMap { entry in entry.value.mesh.rooms[room].map { (peer: entry.key, jid: entry.value.jid, seat: $0) } }
      .sorted { $0.peer < $1.peer }
  }

  static func mucUser(_ inner: String, codes: [Int] = []) -> String {
    "<x xmlns='" + StanzaNamespace.mucUser + "'>" + inner + codes.map { "<status code='\($0)'/>" }.joined() + "</x>"
  }

  /// Everyone sees real JIDs here (a household's server): every item carries one.
  static func item(_ affiliation: RoomAffiliation, jid: JID, nick: String? = nil, present: Bool = true) -> String {
    "<item affiliation='" + affiliation.rawValue + "' role='" + (present ? affiliation.role : "none") + "'"
      + StanzaText.attribute("jid", jid.description) + StanzaText.attribute("nick", nick) + "/>"
  }

  /// The client's presence as the occupants see it: its show and status, without the join
  /// element, with the occupant's item.
  func occupantPresence(_ stanza: XMLElement?, affiliation: RoomAffiliation, jid: JID, codes: [Int] = []) -> String {
    let x = Session.mucUser(Session.item(affiliation, jid: jid), codes: codes)
    guard let stanza else { return "<presence>" + x + "</presence>" }
    var copy = StanzaText.removing(["from", "to", "id", "type"], from: stanza)
    copy.children.removeAll { node in
      guard case .element(let element) = node else { return false }
      return element.namespace == StanzaNamespace.muc || element.namespace == StanzaNamespace.mucUser
    }
    return StanzaText.appending(x, to: copy.xml())
  }

  func leftPresence(_ affiliation: RoomAffiliation, jid: JID, codes: [Int] = [], extra: String = "") -> String {
    "<presence type='unavailable'>" + Session.mucUser(Session.item(affiliation, jid: jid, present: false) + extra, codes: codes)
      + "</presence>"
  }

  /// §7.2.6-7.2.9: an error to a presence for a room carries the join element back, so the
  /// client knows which join failed.
  mutating func refuse(_ stanza: XMLElement, _ condition: String) {
    guard let jid else { return }
    write(
      StanzaText.appending(
        "<x xmlns='" + StanzaNamespace.muc + "'/>",
        to: StanzaText.error(
          "presence", id: stanza.attribute("id"), from: stanza.attribute("to"), to: jid.description,
          type: StanzaText.errorType(of: condition), condition: condition)))
  }

  // MARK: Presence to a room

  mutating func roomPresence(_ stanza: XMLElement, to address: JID) {
    guard !address.local.isEmpty, !address.isBare else {
      // §7.2.1: a join needs a nickname.
      if stanza.attribute("type") == nil { refuse(stanza, "jid-malformed") }
      return
    }
    switch stanza.attribute("type") {
    case nil:
      if let joined = rooms[address.local] {
        changePresence(stanza, in: address.local, joined: joined, nick: address.resource)
      } else {
        join(stanza, room: address.local, nick: address.resource)
      }
    case "unavailable":
      leave(address.local)
    default:
      break  // probes, subscriptions and errors to a room: nothing to do
    }
  }

  /// §7.2: a room that does not exist is made, the joiner its owner (§10.1, an instant room).
  mutating func join(_ stanza: XMLElement, room name: String, nick: String) {
    guard let jid else { return }
    guard rooms.count < Session.maximumRooms else { return refuse(stanza, "resource-constraint") }
    guard nick.utf8.count <= Session.maximumNickBytes else { return refuse(stanza, "not-acceptable") }
    var created = false
    var found = backend.room(named: name)
    if found == nil {
      switch backend.createRoom(named: name, owner: jid.local, at: now / 1000) {
      case .done:
        created = true
        found = backend.room(named: name)
      case .full: return refuse(stanza, "not-allowed")
      case .unavailable:
        // Another session may have made it a moment ago.
        found = backend.room(named: name)
        if found == nil { return refuse(stanza, "service-unavailable") }
      }
    }
    guard let room = found else { return refuse(stanza, "item-not-found") }
    let affiliation = room.affiliation(of: jid.local)
    if affiliation == .outcast { return refuse(stanza, "forbidden") }
    // §7.2.6: a password-protected room wants its password first.
    if !room.password.isEmpty,
      stanza.child("x", namespace: StanzaNamespace.muc)?.child("password")?.text != room.password
    {
      return refuse(stanza, "not-authorized")
    }
    if room.membersOnly, !affiliation.isMember { return refuse(stanza, "registration-required") }
    let others = occupants(of: name)
    // Another user's nickname is taken; the user's own other devices may share theirs.
    if others.contains(where: { $0.seat.nick == nick && $0.jid.local != jid.local }) { return refuse(stanza, "conflict") }
    rooms[name] = JoinedRoom(nick: nick, affiliation: affiliation)
    rooms[name]?.take(stanza)
    let presence = SessionRoomPresence(
      room: name, nick: nick, affiliation: affiliation, xml: occupantPresence(stanza, affiliation: affiliation, jid: jid))
    actions.append(.meshBroadcast(SessionMeshMessage.room(presence).bytes))
    var listed: Set<String> = [nick]
    for other in others.sorted(by: { $0.seat.nick < $1.seat.nick }) where listed.insert(other.seat.nick).inserted {
      write(
        StanzaText.stamped(
          seatPresence(other.seat, jid: other.jid), from: roomAddress(name, nick: other.seat.nick),
          to: jid.description))
    }
    write(
      StanzaText.stamped(
        occupantPresence(stanza, affiliation: affiliation, jid: jid, codes: created ? [100, 110, 201] : [100, 110]),
        from: roomAddress(name, nick: nick), to: jid.description))
    sendHistory(of: name, asked: stanza.child("x", namespace: StanzaNamespace.muc)?.child("history"))
    // §7.2.15: the subject last, empty when there is none: clients take it as the join's end.
    write(
      "<message type='groupchat'"
        + StanzaText.attribute("from", room.subjectBy.isEmpty ? roomAddress(name) : roomAddress(name, nick: room.subjectBy))
        + StanzaText.attribute("to", jid.description) + "><subject>" + XMLEscape.text(room.subject) + "</subject></message>")
  }

  /// An occupant's presence for a joiner (§7.2.3: with its show and status): its last in the
  /// room whole, else (a seat known from a hello) its show and status.
  func seatPresence(_ seat: RoomSeat, jid: JID, codes: [Int] = []) -> String {
    seat.presence
      ?? "<presence>" + (seat.show.isEmpty ? "" : "<show>" + seat.show + "</show>")
      + (seat.status.isEmpty ? "" : "<status>" + XMLEscape.text(seat.status) + "</status>")
      + Session.mucUser(Session.item(seat.affiliation, jid: jid), codes: codes) + "</presence>"
  }

  /// A presence change in a room joined, or a nick change (§7.6).
  mutating func changePresence(_ stanza: XMLElement, in name: String, joined: JoinedRoom, nick: String) {
    guard let jid else { return }
    var previous: String?
    if nick != joined.nick {
      guard nick.utf8.count <= Session.maximumNickBytes else { return refuse(stanza, "not-acceptable") }
      if occupants(of: name).contains(where: { $0.seat.nick == nick && $0.jid.local != jid.local }) {
        return refuse(stanza, "conflict")
      }
      previous = joined.nick
      rooms[name]?.nick = nick
      write(
        StanzaText.stamped(
          "<presence type='unavailable'>"
            + Session.mucUser(Session.item(joined.affiliation, jid: jid, nick: nick), codes: [110, 303]) + "</presence>",
          from: roomAddress(name, nick: joined.nick), to: jid.description))
    }
    rooms[name]?.take(stanza)
    let presence = SessionRoomPresence(
      room: name, nick: nick, previousNick: previous, affiliation: joined.affiliation,
      xml: occupantPresence(stanza, affiliation: joined.affiliation, jid: jid))
    actions.append(.meshBroadcast(SessionMeshMessage.room(presence).bytes))
    write(
      StanzaText.stamped(
        occupantPresence(stanza, affiliation: joined.affiliation, jid: jid, codes: [110]), from: roomAddress(name, nick: nick),
        to: jid.description))
  }

  /// §7.14: the client leaves, or is made to (`codes` say why to everyone: 301 banned, 307
  /// kicked, 321 and 322 not a member; `extra`, its room went).
  mutating func leave(_ name: String, codes: [Int] = [], affiliation: RoomAffiliation? = nil, extra: String = "") {
    guard let jid, let joined = rooms.removeValue(forKey: name) else { return }
    let shown = affiliation ?? joined.affiliation
    let presence = SessionRoomPresence(
      room: name, nick: joined.nick, affiliation: nil, xml: leftPresence(shown, jid: jid, codes: codes))
    actions.append(.meshBroadcast(SessionMeshMessage.room(presence).bytes))
    write(
      StanzaText.stamped(
        leftPresence(shown, jid: jid, codes: codes + [110], extra: extra), from: roomAddress(name, nick: joined.nick),
        to: jid.description))
  }

  /// The rooms as a resumption keeps them (` room=...` each): a resumed stream is still in
  /// its rooms, and its hello tells the others so.
  var roomWords: String {
    rooms.sorted { $0.key < $1.key }.map { " " + RoomSeat.word(room: $0.key, seat: $0.value.seat) }.joined()
  }

  mutating func restoreRooms(_ words: ArraySlice<Substring>) {
    for word in words {
      if let (room, seat) = RoomSeat.parse(word) { rooms[room] = JoinedRoom(nick: seat.nick, affiliation: seat.affiliation) }
    }
  }

  /// Unavailable presence to everyone (RFC 6121 §4.5.2) leaves every room too.
  mutating func leaveRooms() {
    for name in rooms.keys.sorted() { leave(name) }
  }

  /// slugctl or an admin changed the rooms: a room removed lets its occupants go (§10.9); an
  /// affiliation changed is shown, or sends the client out (XEP0045Admin.swift).
  mutating func roomsChanged() {
    for name in rooms.keys.sorted() {
      guard let room = backend.room(named: name) else {
        leave(name, extra: "<destroy/>")
        continue
      }
      reconcile(name, with: room)
    }
  }

  // MARK: The others, from the mesh

  /// A session's hello came after our client joined a room it is in (the two logged in at
  /// about the same time): its occupant's presence now.
  mutating func occupantArrived(_ state: SessionPeerState) {
    guard let jid else { return }
    for (name, seat) in state.mesh.rooms.sorted(by: { $0.key < $1.key }) where rooms[name] != nil {
      if lostNick(in: name, to: seat.nick, against: state) { continue }
      presenceForClient(
        StanzaText.stamped(
          seatPresence(seat, jid: state.jid), from: roomAddress(name, nick: seat.nick), to: jid.description),
        from: JID(local: name, domain: roomDomain, resource: seat.nick))
    }
  }

  /// Another session joined, changed or left a room: its seat as we know it, and its presence
  /// for our client if it is in that room too.
  mutating func occupantChanged(_ change: SessionRoomPresence, in peer: SessionPeer) {
    guard let jid, let state = peers[peer] else { return }
    if let affiliation = change.affiliation {
      var seat = RoomSeat(nick: change.nick, affiliation: affiliation, presence: change.xml)
      if let presence = Session.element(change.xml) {
        var joined = JoinedRoom(nick: change.nick, affiliation: affiliation)
        joined.take(presence)
        (seat.show, seat.status) = (joined.show, joined.status)
      }
      peers[peer]?.mesh.rooms[change.room] = seat
    } else {
      peers[peer]?.mesh.rooms[change.room] = nil
    }
    guard rooms[change.room] != nil else { return }
    if nickClash(change, from: state) { return }
    if let previous = change.previousNick, let affiliation = change.affiliation {
      presenceForClient(
        StanzaText.stamped(
          "<presence type='unavailable'>"
            + Session.mucUser(Session.item(affiliation, jid: state.jid, nick: change.nick), codes: [303]) + "</presence>",
          from: roomAddress(change.room, nick: previous), to: jid.description),
        from: JID(local: change.room, domain: roomDomain, resource: previous))
    }
    presenceForClient(
      StanzaText.stamped(change.xml, from: roomAddress(change.room, nick: change.nick), to: jid.description),
      from: JID(local: change.room, domain: roomDomain, resource: change.nick))
    if change.affiliation == nil { nickStillHeld(change.room, change.nick, leaving: peer) }
  }

  /// Another session ended (or its process died): it left the rooms it was in.
  mutating func occupantGone(_ state: SessionPeerState) {
    guard let jid else { return }
    for (name, seat) in state.mesh.rooms.sorted(by: { $0.key < $1.key }) where rooms[name] != nil {
      presenceForClient(
        StanzaText.stamped(
          leftPresence(seat.affiliation, jid: state.jid), from: roomAddress(name, nick: seat.nick), to: jid.description),
        from: JID(local: name, domain: roomDomain, resource: seat.nick))
    }
  }

  // MARK: Messages

  mutating func roomMessage(_ message: XMLElement, to address: JID) {
    let type = message.attribute("type") ?? "normal"
    guard type != "error" else { return }
    guard !address.local.isEmpty else { return bounce(message, "service-unavailable") }
    if roomInvitation(message, to: address) { return }
    // §7.9: only occupants speak in a room.
    guard let joined = rooms[address.local] else { return bounce(message, "not-acceptable") }
    // A session not yet heard from may be an occupant: the message waits for its hello.
    if !peersWithoutHello.isEmpty, heldMessages.count < Session.maximumHeldMessages {
      heldMessages.append(message)
      return
    }
    if address.isBare {
      // Invitations and other messages to the room itself are not done here.
      guard type == "groupchat" else { return bounce(message, "service-unavailable") }
      groupchat(message, in: address.local, joined: joined)
    } else {
      guard type != "groupchat" else { return bounce(message, "bad-request") }
      privateMessage(message, in: address.local, to: address.resource, joined: joined)
    }
  }

  /// Stanzas with their `from` and `to` for other sessions, as `sendComplete`, those for
  /// resumable streams queued in one transaction (one store write a room message, not one an
  /// occupant).
  mutating func sendToOccupants(_ stanzas: [(xml: String, peer: SessionPeer)]) {
    var entries: [(stream: String, stanza: String, offline: Bool)] = []
    var queuedFor: [SessionPeer] = []
    var direct: [(xml: String, peer: SessionPeer)] = []
    for stanza in stanzas {
      if let stream = peers[stanza.peer]?.mesh.stream {
        entries.append((stream, stanza.xml, false))
        queuedFor.append(stanza.peer)
      } else {
        direct.append(stanza)
      }
    }
    let ids = entries.isEmpty ? [] : backend.enqueue(entries)
    for (index, id) in ids.enumerated() {
      if id == nil {
        direct.append((entries[index].stanza, queuedFor[index]))
      } else {
        actions.append(.meshSend(queuedFor[index], SessionMeshMessage.queued.bytes))
      }
    }
    for stanza in direct {
      let bytes = SessionMeshMessage.complete(stanza.xml).bytes
      if bytes.count <= SessionMeshMessage.maximumBytes { actions.append(.meshSend(stanza.peer, bytes)) }
    }
  }

  /// §7.5: a private message to an occupant's sessions, from the sender's nick.
  mutating func privateMessage(_ message: XMLElement, in name: String, to nick: String, joined: JoinedRoom) {
    guard let jid else { return }
    let stanza = StanzaText.appending(
      "<x xmlns='" + StanzaNamespace.mucUser + "'/>",
      to: StanzaText.stamped(
        StanzaText.removing(["from", "to"], from: message).xml(), from: roomAddress(name, nick: joined.nick), to: nil))
    let targets = occupants(of: name).filter { $0.seat.nick == nick }
    guard !targets.isEmpty || joined.nick == nick else { return bounce(message, "item-not-found") }
    for target in targets {
      sendComplete(StanzaText.stamped(stanza, from: nil, to: target.jid.description), to: target.peer)
    }
    if joined.nick == nick { write(StanzaText.stamped(stanza, from: nil, to: jid.description)) }
  }
}
