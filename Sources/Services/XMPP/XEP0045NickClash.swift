/// Two users taking one nick in a room at the same moment (XEP-0045 §7.2.9), each session
/// checking only the seats it knew: their `room` messages (or a hello and a join) cross. Both
/// sessions see the clash when the other's message arrives and agree on the winner without
/// another word: the session that logged in first (`since`, then `token`, as two sessions of
/// one full JID are ordered). The other leaves the room and tells its client `conflict`, so
/// the others, who saw both joins, are left with one seat under that nick.
extension Session {
  /// Another user's join, change or leave under our client's nick: true when it is not shown
  /// to our client (we lost and left; or we keep the nick, and the other goes or went).
  mutating func nickClash(_ change: SessionRoomPresence, from state: SessionPeerState) -> Bool {
    guard let jid, rooms[change.room]?.nick == change.nick, state.jid.local != jid.local else { return false }
    if change.affiliation != nil { _ = lostNick(in: change.room, to: change.nick, against: state) }
    return true
  }

  /// An occupant left under a nick another session still holds (the loser of a clash, or one
  /// of a user's devices sharing a nick): the others see that one again, or they would take
  /// the nick for gone.
  mutating func nickStillHeld(_ room: String, _ nick: String, leaving peer: SessionPeer) {
    guard let jid, let holder = occupants(of: room).first(where: { $0.seat.nick == nick && $0.peer != peer }) else { return }
    presenceForClient(
      StanzaText.stamped(seatPresence(holder.seat, jid: holder.jid), from: roomAddress(room, nick: nick), to: jid.description),
      from: JID(local: room, domain: roomDomain, resource: nick))
  }

  /// true when our client lost its seat in `room` to `state`'s session holding `nick`.
  mutating func lostNick(in room: String, to nick: String, against state: SessionPeerState) -> Bool {
    guard let jid, let joined = rooms[room], joined.nick == nick, state.jid.local != jid.local,
      (since, token) > (state.since, state.token)
    else { return false }
    leave(room)
    write(
      StanzaText.appending(
        "<x xmlns='" + StanzaNamespace.muc + "'/>",
        to: StanzaText.error(
          "presence", id: nil, from: roomAddress(room, nick: nick), to: jid.description,
          type: StanzaText.errorType(of: "conflict"), condition: "conflict")))
    return true
  }
}
