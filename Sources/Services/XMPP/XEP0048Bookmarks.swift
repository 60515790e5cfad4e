/// XEP-0048 bookmarks in private XML kept in step with XEP-0402's PEP node (XEP-0402 §5.3, as
/// prosody's mod_bookmarks does), so an old client and a new one see the same rooms: reading
/// `storage:bookmarks` builds it from the node's items (with the URLs the old element kept),
/// writing it publishes each conference to the node and retracts the ones it no longer has.
extension Session {
  static var legacyBookmarks: String { "storage:bookmarks" }
  static var bookmarks: String { "urn:xmpp:bookmarks:1" }
  /// What XEP-0402 §4 asks of the node.
  static var bookmarksConfiguration: PEPConfiguration {
    PEPConfiguration(accessModel: .whitelist, persistItems: true, maxItems: nil, sendLastPublishedItem: "never")
  }

  /// The XEP-0048 element from the XEP-0402 node; nil when the user has no such node.
  func legacyBookmarksFromPEP(kept: String?) -> String? {
    guard let jid, backend.pepNode(owner: jid.local, node: Session.bookmarks) != nil else { return nil }
    let items = backend.pepItems(owner: jid.local, node: Session.bookmarks, limit: nil, ids: []).reversed()
    var body = ""
    for item in items {
      guard let conference = Session.element(item.payload), conference.name == "conference" else { continue }
      body +=
        "<conference" + StanzaText.attribute("jid", item.id) + StanzaText.attribute("name", conference.attribute("name"))
        + StanzaText.attribute("autojoin", conference.attribute("autojoin")) + ">"
        + ["nick", "password"].compactMap { name in
          conference.child(name).map { "<" + name + ">" + XMLEscape.text($0.text) + "</" + name + ">" }
        }.joined() + "</conference>"
    }
    // URLs have no place in XEP-0402: they stay in the private element.
    let urls = kept.flatMap { Session.element($0) }?.elements.filter { $0.name == "url" } ?? []
    for url in urls { body += url.xml(parentNamespace: Session.legacyBookmarks) }
    return "<storage xmlns='" + Session.legacyBookmarks + "'>" + body + "</storage>"
  }

  /// The conferences of a XEP-0048 element published to the XEP-0402 node, the others
  /// retracted; false after refusing (a limit of the store).
  mutating func mirrorLegacyBookmarks(_ storage: XMLElement, _ iq: XMLElement) -> Bool {
    guard let jid else { return false }
    let configuration = backend.pepNode(owner: jid.local, node: Session.bookmarks)?.configuration
      ?? Session.bookmarksConfiguration
    var kept: Set<String> = []
    for conference in storage.elements where conference.name == "conference" {
      guard let room = conference.attribute("jid"), !room.isEmpty else { continue }
      kept.insert(room)
      var payload =
        "<conference xmlns='" + Session.bookmarks + "'" + StanzaText.attribute("name", conference.attribute("name"))
        + StanzaText.attribute("autojoin", conference.attribute("autojoin")) + ">"
      for name in ["nick", "password"] {
        if let child = conference.child(name) { payload += "<" + name + ">" + XMLEscape.text(child.text) + "</" + name + ">" }
      }
      let item = PEPItem(id: room, payload: payload + "</conference>", published: now / 1000)
      guard stored(iq, backend.pepPublish(owner: jid.local, node: Session.bookmarks, creating: configuration, item: item))
      else { return false }
      notifyPEP(
        node: Session.bookmarks, configuration,
        event: "<items" + StanzaText.attribute("node", Session.bookmarks) + ">" + item.xml + "</items>")
    }
    for old in backend.pepItems(owner: jid.local, node: Session.bookmarks, limit: nil, ids: []) where !kept.contains(old.id) {
      guard stored(iq, backend.pepRetract(owner: jid.local, node: Session.bookmarks, id: old.id)) else { return false }
      notifyPEP(
        node: Session.bookmarks, configuration,
        event: "<items" + StanzaText.attribute("node", Session.bookmarks) + "><retract" + StanzaText.attribute("id", old.id)
          + "/></items>")
    }
    return true
  }

  /// A stored element parsed back.
  static func element(_ xml: String) -> XMLElement? {
    var parser = XMLStreamParser()
    let wrapped = "<stream:stream xmlns='jabber:client' xmlns:stream='" + StanzaNamespace.stream + "'>" + xml
    guard let events = try? parser.feed(Array(wrapped.utf8)[...]) else { return nil }
    for case .stanza(let element) in events { return element }
    return nil
  }
}
