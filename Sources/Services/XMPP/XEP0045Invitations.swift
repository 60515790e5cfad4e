#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0045 §7.8.2, mediated invitations: an occupant asks the room to invite a user; the room
/// sends the invitation (from the room's JID, with the inviter's real JID: a non-anonymous room)
/// to every available resource of the invitee, or keeps it as an offline message. In a
/// members-only room only an admin or owner may invite, and the invitee becomes a member
/// (stored) so that the invitation can be taken up. A decline goes back the same way to every
/// resource of the inviter named; anyone may decline, occupant or not.
extension Session {
  /// Invitations one message may carry.
  static var maximumInvitations: Int { 10 }
  static var maximumReasonBytes: Int { 1024 }

  /// true when `message` (to a room's bare JID) was an invitation or a decline, now handled.
  mutating func roomInvitation(_ message: XMLElement, to address: JID) -> Bool {
    guard let jid, address.isBare, let x = message.child("x", namespace: StanzaNamespace.mucUser) else { return false }
    let invites = x.elements.filter { $0.name == "invite" }
    let declines = x.elements.filter { $0.name == "decline" }
    guard !invites.isEmpty || !declines.isEmpty else { return false }
    // A session not yet heard from may be the invitee's: it waits for its hello.
    if !peersWithoutHello.isEmpty, heldMessages.count < Session.maximumHeldMessages {
      heldMessages.append(message)
      return true
    }
    let name = ASCII.lowercased(address.local)
    guard invites.count + declines.count <= Session.maximumInvitations else {
      bounce(message, "resource-constraint")
      return true
    }
    guard let room = backend.room(named: name) else {
      bounce(message, "item-not-found")
      return true
    }
    // Each one's user: an account of this domain (no other server is reached from here).
    let users = (invites + declines).compactMap { element in
      element.attribute("to").flatMap { JID($0) }.map { $0.bare }.flatMap { user in
        user.domain == domain && !user.local.isEmpty && backend.account(named: user.local) != nil ? user : nil
      }
    }
    guard users.count == invites.count + declines.count else {
      bounce(message, "item-not-found")
      return true
    }
    guard (invites + declines).allSatisfy({ ($0.child("reason")?.text.utf8.count ?? 0) <= Session.maximumReasonBytes }) else {
      bounce(message, "not-acceptable")
      return true
    }
    if !invites.isEmpty {
      // §7.8.2: only occupants invite; a members-only room takes its admins' and owners'.
      guard let joined = rooms[name] else {
        bounce(message, "not-acceptable")
        return true
      }
      if room.membersOnly, joined.affiliation != .owner, joined.affiliation != .admin {
        bounce(message, "forbidden")
        return true
      }
      for (invitee, invite) in zip(users, invites) {
        let affiliation = room.affiliation(of: invitee.local)
        if affiliation == .outcast {
          bounce(message, "forbidden")
          continue
        }
        if room.membersOnly, !affiliation.isMember {
          switch backend.setRoomAffiliation(.member, of: invitee.local, in: name) {
          case .done: break
          case .full:
            bounce(message, "not-acceptable")
            continue
          case .unavailable:
            bounce(message, "service-unavailable")
            continue
          }
        }
        deliverFromRoom(
          name, to: invitee,
          Session.mucUser(
            "<invite" + StanzaText.attribute("from", jid.description) + ">" + reason(of: invite) + "</invite>"
              + (room.password.isEmpty ? "" : "<password>" + XMLEscape.text(room.password) + "</password>"))
            + "<body>" + XMLEscape.text(jid.bare.description + " invites you to " + roomAddress(name)) + "</body>")
      }
    }
    for (inviter, decline) in zip(users.dropFirst(invites.count), declines) {
      deliverFromRoom(
        name, to: inviter,
        Session.mucUser(
          "<decline" + StanzaText.attribute("from", jid.bare.description) + ">" + reason(of: decline) + "</decline>"))
    }
    return true
  }

  func reason(of element: XMLElement) -> String {
    element.child("reason").map { "<reason>" + XMLEscape.text($0.text) + "</reason>" } ?? ""
  }

  /// A message from the room to every available resource of `user`, else (with a body) to its
  /// offline store.
  mutating func deliverFromRoom(_ name: String, to user: JID, _ content: String) {
    guard let jid else { return }
    let message = "<message" + StanzaText.attribute("from", roomAddress(name)) + ">" + content + "</message>"
    var reached = false
    for target in peers(of: user.local) where target.state.presence != nil {
      sendComplete(StanzaText.stamped(message, from: nil, to: target.state.jid.description), to: target.peer)
      reached = true
    }
    if user.local == jid.local, presence != nil {
      write(StanzaText.stamped(message, from: nil, to: jid.description))
      reached = true
    }
    guard !reached, content.bytesContain("<body>") else { return }
    _ = backend.storeOfflineMessage(StanzaText.stamped(message, from: nil, to: user.description), to: user.local, at: now / 1000)
  }
}
