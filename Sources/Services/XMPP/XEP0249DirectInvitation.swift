/// XEP-0249 direct invitations: a message to the invitee's bare JID carrying
/// `<x xmlns='jabber:x:conference' jid=ROOM/>` goes to every available resource (of a
/// non-negative priority), not only the highest-priority ones as another message (RFC 6121 §8.5.2.1.1):
/// the invitee takes it up from whichever device is in hand. With none, it is an offline
/// message as any.
extension StanzaNamespace {
  public static let conference = "jabber:x:conference"
}

extension Session {
  static func reachesEveryResource(_ message: XMLElement) -> Bool {
    message.child("x", namespace: StanzaNamespace.conference)?.attribute("jid") != nil
  }
}
