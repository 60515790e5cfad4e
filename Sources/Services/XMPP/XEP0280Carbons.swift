#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0280 message carbons: every resource of a user that asked for them sees the user's
/// conversations, both what the others received and what they sent. The session that routes
/// a message sends the copies: it knows from the peers' hellos which sessions take carbons.
extension Session {
  /// `<enable/>` or `<disable/>` (iq set, to the server or the user's own bare JID).
  mutating func setCarbons(_ enable: Bool) {
    guard carbons != enable else { return }
    carbons = enable
    saveResumptionState()
    actions.append(.meshBroadcast(SessionMeshMessage.state(meshState).bytes))
  }

  /// §6: chat messages, and normal ones with a body or a receipt or marker; none marked private.
  static func takesCarbons(_ message: XMLElement) -> Bool {
    guard message.child("private", namespace: StanzaNamespace.carbons) == nil,
      message.child("no-copy", namespace: StanzaNamespace.hints) == nil,
      message.child("sent", namespace: StanzaNamespace.carbons) == nil,
      message.child("received", namespace: StanzaNamespace.carbons) == nil
    else { return false }
    switch message.attribute("type") ?? "normal" {
    case "chat": return true
    case "normal":
      return message.child("body") != nil || message.child("received", namespace: "urn:xmpp:receipts") != nil
        || message.elements.contains { $0.namespace == "urn:xmpp:chat-markers:0" }
    default: return false
    }
  }

  /// The copies of `message` (sent by our client to `to`, and given to the sessions in
  /// `delivered`): `<sent/>` to our other resources, `<received/>` to the recipient's others.
  mutating func carbonCopies(_ message: XMLElement, xml: String, to: JID, delivered: [SessionPeer]) {
    guard let jid, to.local != jid.local, Session.takesCarbons(message) else { return }
    let inner = StanzaText.stamped(
      StanzaText.removing(["from"], from: message).xml(parentNamespace: StanzaNamespace.forward), from: jid.description,
      to: nil)
    for (peer, state) in peers where state.mesh.carbons && !delivered.contains(peer) {
      let kind: String
      let owner: JID
      if state.jid.local == jid.local {
        kind = "sent"
        owner = jid.bare
      } else if state.jid.local == to.local {
        kind = "received"
        owner = to.bare
      } else {
        continue
      }
      sendComplete(
        "<message" + StanzaText.attribute("from", owner.description) + StanzaText.attribute("to", state.jid.description)
          + StanzaText.attribute("type", message.attribute("type") ?? "normal") + "><" + kind + " xmlns='"
          + StanzaNamespace.carbons + "'><forwarded xmlns='" + StanzaNamespace.forward + "'>" + inner
          + "</forwarded></" + kind + "></message>", to: peer)
    }
  }
}
