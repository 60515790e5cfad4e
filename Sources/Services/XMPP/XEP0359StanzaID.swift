#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Which one-to-one messages go to the archive (XEP-0313), and the XEP-0359 stanza-id their
/// recipient gets: the sender's session decides when it routes the message, once, whether the
/// message is delivered at once or stored offline. The id is random and chosen here, so the
/// recipient's copy carries it without waiting for the store: the row is written by an
/// `.archive` action after the delivery.
extension Session {
  /// Bigger stanzas are delivered without being archived (Store.maximumArchivedStanzaBytes).
  static var maximumArchivedStanzaBytes: Int { 65_536 }

  /// `message` as routed to `to`: without stanza-ids that claim to be by an archive of this
  /// domain (only the server may put those in), with one of our own when the message is
  /// archived; and the archive row, nil when it is not archived.
  func archiving(_ message: XMLElement, to: JID, type: String) -> (message: XMLElement, entry: SessionArchiveEntry?) {
    guard let jid else { return (message, nil) }
    var message = message
    message.children.removeAll { node in
      guard case .element(let child) = node, child.name == "stanza-id", child.namespace == StanzaNamespace.stanzaID
      else { return false }
      return JID(child.attribute("by") ?? "")?.domain == domain
    }
    // Chat states and receipts alone (no body), errors, headlines and rooms' messages are not
    // kept; nor is a message its sender asked not to be (XEP-0334).
    guard archiving, type == "chat" || type == "normal", message.child("body") != nil,
      message.child("no-store", namespace: StanzaNamespace.hints) == nil,
      message.child("no-permanent-store", namespace: StanzaNamespace.hints) == nil
    else { return (message, nil) }
    var stored: [UInt8] = []
    StanzaText.removing(["from", "to"], from: message).write(to: &stored, parentNamespace: "")
    let stanza = StanzaText.stamped(String(decoding: stored, as: UTF8.self), from: jid.description, to: to.description)
    guard stanza.utf8.count <= Session.maximumArchivedStanzaBytes else { return (message, nil) }
    let id = archiveID()
    message.children.append(
      .element(
        XMLElement(
          name: "stanza-id", namespace: StanzaNamespace.stanzaID,
          attributes: [XMLAttribute(name: "by", value: to.bare.description), XMLAttribute(name: "id", value: id)])))
    let entry = SessionArchiveEntry(
      id: id, stamp: now, sender: jid.local, senderResource: jid.resource, recipient: to.local,
      recipientResource: to.isBare ? nil : to.resource, stanza: stanza)
    return (message, entry)
  }

  /// The time first (48 bits of ms), then 32 random bits: unique, and new ids land at the end
  /// of the store's index of them instead of on a random page of it.
  func archiveID() -> String {
    Hex.lowercase((0..<6).map { UInt8(truncatingIfNeeded: now >> (40 - 8 * $0)) } + randomBytes(4))
  }

  /// The message reached its recipient or the offline store: its row is written after that.
  mutating func archived(_ entry: SessionArchiveEntry?) {
    if let entry { actions.append(.archive(entry)) }
  }
}
