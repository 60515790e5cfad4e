/// Two users taking one nick in a room at the same moment (XEP-0045 §7.2.9), each session
/// checking only the seats it knew: their `room` messages (or a hello and a join) cross. Both
/// sessions see the clash when the other's message arrives and agree on the winner without
/// another word: the session that logged in first (`since`, then `token`, as two sessions of
/// one full JID are ordered). The other leaves the room and tells its client `conflict`, so
/// the others, who saw both joins, are left with one seat under that nick.
extension Session {
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
