/// Private XML storage (XEP-0049): one element per user and namespace, kept in the store. Older
/// clients keep their bookmarks here (storage:bookmarks, XEP-0048), mirrored with XEP-0402's
/// node (XEP0048Bookmarks.swift).
extension Session {
  static var privateNamespace: String { "jabber:iq:private" }

  mutating func privateStorage(_ iq: XMLElement, _ query: XMLElement, own: Bool) {
    guard let jid else { return }
    guard own else { return bounce(iq, "forbidden") }
    let elements = query.elements
    // §3: the protocol's own and the base namespaces are not the client's to keep.
    guard !elements.isEmpty,
      !elements.contains(where: { $0.namespace.hasPrefix("jabber:") || $0.namespace.hasPrefix("http://jabber.org/") })
    else { return bounce(iq, elements.isEmpty ? "bad-request" : "not-acceptable") }
    let head =
      "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id")) + StanzaText.attribute("from", iq.attribute("to"))
      + StanzaText.attribute("to", jid.description)
    if iq.attribute("type") == "get" {
      guard elements.count == 1, let wanted = elements.first else { return bounce(iq, "bad-request") }
      var kept = backend.privateXML(owner: jid.local, namespace: wanted.namespace)
      if wanted.namespace == Session.legacyBookmarks, let mirrored = legacyBookmarksFromPEP(kept: kept) { kept = mirrored }
      return write(head + "><query xmlns='" + Session.privateNamespace + "'>" + (kept ?? wanted.xml(parentNamespace: "")) + "</query></iq>")
    }
    for element in elements {
      if element.namespace == Session.legacyBookmarks, !mirrorLegacyBookmarks(element, iq) { return }
      switch backend.setPrivateXML(element.xml(parentNamespace: ""), owner: jid.local, namespace: element.namespace) {
      case .done: continue
      case .full: return bounce(iq, "not-acceptable")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
    }
    write(head + "/>")
  }
}
