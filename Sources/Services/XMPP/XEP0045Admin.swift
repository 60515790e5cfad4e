#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

extension StanzaNamespace {
  public static let mucAdmin = "http://jabber.org/protocol/muc#admin"
}

/// XEP-0045 §8-§10 from a client: kicking (role none), affiliation changes (ban, member, admin,
/// owner, none) and their lists, and an owner's destruction of a room. Admins and owners are
/// the moderators here. An admin changes members, outcasts and none (§9); only an owner
/// touches admins and owners (§10); nobody kicks an admin or owner; a room that has an owner
/// keeps one (`conflict`). Changes go to the store, then every session re-reads its rooms
/// (`rooms-changed`) and shows what changed for its own client, or sends it out with the
/// status the XEP gives (301 banned, 321 no longer a member, 322 the room became members-only);
/// a kick is a `kick` mesh message to the sessions in that seat (307).
extension Session {
  /// Items one request may carry.
  static var maximumAdminItems: Int { 50 }

  mutating func roomAdmin(_ iq: XMLElement, _ payload: XMLElement, room: SessionRoom) {
    guard let jid else { return }
    let actor = room.affiliation(of: jid.local)
    let items = payload.elements.filter { $0.name == "item" }
    if iq.attribute("type") == "get" {
      guard items.count == 1, let wanted = items[0].attribute("affiliation").flatMap(RoomAffiliation.init(rawValue:)),
        wanted != .none
      else { return bounce(iq, "bad-request") }
      // §9.5, §9.8: admins see the outcasts and members; §10.5, §10.8: owners the admins and owners.
      let allowed = wanted == .owner || wanted == .admin ? actor == .owner : actor == .owner || actor == .admin
      guard allowed else { return bounce(iq, "forbidden") }
      let listed = room.affiliations.filter { $0.value == wanted }.keys.sorted().map { user in
        "<item affiliation='" + wanted.rawValue + "'" + StanzaText.attribute("jid", user + "@" + domain) + "/>"
      }
      return write(iqResult(iq, "<query xmlns='" + StanzaNamespace.mucAdmin + "'>" + listed.joined() + "</query>"))
    }
    guard iq.attribute("type") == "set", !items.isEmpty else { return bounce(iq, "bad-request") }
    guard items.count <= Session.maximumAdminItems else { return bounce(iq, "resource-constraint") }
    guard actor == .owner || actor == .admin else { return bounce(iq, "forbidden") }
    // Every item is checked before any is carried out: a refused request changes nothing.
    var kicks: [String] = []
    var changes: [(user: String, affiliation: RoomAffiliation)] = []
    for item in items {
      if let role = item.attribute("role") {
        // Rooms here are unmoderated: voice and moderator roles follow affiliations.
        guard role == "none" else { return bounce(iq, "not-allowed") }
        guard let nick = item.attribute("nick"), let target = occupant(nick, in: room.name) else {
          return bounce(iq, "item-not-found")
        }
        let affiliation = room.affiliation(of: target.local)
        guard affiliation != .owner, affiliation != .admin else { return bounce(iq, "not-allowed") }
        kicks.append(nick)
      } else if let affiliation = item.attribute("affiliation").flatMap(RoomAffiliation.init(rawValue:)) {
        let named = item.attribute("jid").flatMap { JID($0) } ?? item.attribute("nick").flatMap { occupant($0, in: room.name) }
        guard let user = named, user.domain == domain, !user.local.isEmpty, backend.account(named: user.local) != nil else {
          return bounce(iq, "item-not-found")
        }
        let current = room.affiliation(of: user.local)
        if actor != .owner, [current, affiliation].contains(where: { $0 == .owner || $0 == .admin }) {
          return bounce(iq, "not-allowed")
        }
        changes.append((user.local, affiliation))
      } else {
        return bounce(iq, "bad-request")
      }
    }
    var after = room.affiliations
    for change in changes { after[ASCII.lowercased(change.user)] = change.affiliation == .none ? nil : change.affiliation }
    if room.affiliations.values.contains(.owner), !after.values.contains(.owner) { return bounce(iq, "conflict") }
    for change in changes {
      switch backend.setRoomAffiliation(change.affiliation, of: change.user, in: room.name) {
      case .done: break
      case .full: return bounce(iq, "not-acceptable")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
    }
    for nick in kicks { kick(nick, in: room.name) }
    write(iqResult(iq, nil))
    if !changes.isEmpty { roomsChangedEverywhere() }
  }

  /// The user behind an occupant's nick: ours, or another session's.
  func occupant(_ nick: String, in room: String) -> JID? {
    if let jid, rooms[room]?.nick == nick { return jid.bare }
    return occupants(of: room).first { $0.seat.nick == nick }?.jid.bare
  }

  /// §8.2: every session in the seat leaves the room, 307.
  mutating func kick(_ nick: String, in room: String) {
    for target in occupants(of: room) where target.seat.nick == nick {
      actions.append(.meshSend(target.peer, SessionMeshMessage.kick(room: room, nick: nick).bytes))
    }
    kicked(from: room, nick: nick)
  }

  mutating func kicked(from room: String, nick: String) {
    guard rooms[room]?.nick == nick else { return }
    leave(room, codes: [307])
  }

  /// The store changed a room: every session shows it to its client, ours too.
  mutating func roomsChangedEverywhere() {
    actions.append(.meshBroadcast(SessionMeshMessage.roomsChanged.bytes))
    roomsChanged()
  }

  /// The client's place in a room as the store has it now: out (301, 321, 322), or its new
  /// affiliation shown to everyone (§9.3, §10.3: a presence with the new item).
  mutating func reconcile(_ name: String, with room: SessionRoom) {
    guard let jid, let joined = rooms[name] else { return }
    let affiliation = room.affiliation(of: jid.local)
    if affiliation == .outcast { return leave(name, codes: [301], affiliation: .outcast) }
    if room.membersOnly, !affiliation.isMember {
      return leave(name, codes: [joined.affiliation.isMember ? 321 : 322], affiliation: affiliation)
    }
    guard affiliation != joined.affiliation else { return }
    rooms[name]?.affiliation = affiliation
    guard let seat = rooms[name]?.seat else { return }
    let presence = SessionRoomPresence(room: name, nick: seat.nick, affiliation: affiliation, xml: seatPresence(seat, jid: jid))
    actions.append(.meshBroadcast(SessionMeshMessage.room(presence).bytes))
    write(
      StanzaText.stamped(
        seatPresence(seat, jid: jid, codes: [110]), from: roomAddress(name, nick: seat.nick), to: jid.description))
  }

  /// §10.9: an owner destroys the room (not the standing one); its occupants leave with the
  /// `<destroy/>` and its reason.
  mutating func destroyRoom(_ iq: XMLElement, _ room: SessionRoom) {
    guard !room.standing else { return bounce(iq, "not-allowed") }
    switch backend.destroyRoom(named: room.name) {
    case .done: break
    case .full: return bounce(iq, "not-allowed")
    case .unavailable: return bounce(iq, "service-unavailable")
    }
    write(iqResult(iq, nil))
    roomsChangedEverywhere()
  }
}
