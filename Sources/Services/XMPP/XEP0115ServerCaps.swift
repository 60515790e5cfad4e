#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The server's own disco#info (XEP-0030) and its entity capabilities (XEP-0115 §6.3): one
/// element answers disco#info on the domain and gives the `ver` the stream features carry
/// after login, so a client that has the ver cached need not ask, and the two cannot differ.
extension Session {
  /// What identifies in.jabberd as a piece of software (§4: the node names the application).
  static var capsNode: String { "urn:slug:in.jabberd" }

  static var serverFeatures: [String] {
    [
      StanzaNamespace.discoInfo, StanzaNamespace.discoItems, StanzaNamespace.ping, StanzaNamespace.version,
      StanzaNamespace.vCard, StanzaNamespace.privacy, StanzaNamespace.blocking, StanzaNamespace.carbons,
      StanzaNamespace.delay, "msgoffline", Session.privateNamespace,
    ]
  }

  /// disco#info of the domain; `node` echoed when asked with one (§6.2: `NODE#VER`).
  static func serverInfo(node: String? = nil) -> XMLElement {
    let identity = XMLElement(
      name: "identity", namespace: StanzaNamespace.discoInfo,
      attributes: [
        XMLAttribute(name: "category", value: "server"), XMLAttribute(name: "type", value: "im"),
        XMLAttribute(name: "name", value: "slug in.jabberd"),
      ])
    let features = serverFeatures.map {
      XMLNode.element(
        XMLElement(name: "feature", namespace: StanzaNamespace.discoInfo, attributes: [XMLAttribute(name: "var", value: $0)]))
    }
    return XMLElement(
      name: "query", namespace: StanzaNamespace.discoInfo,
      attributes: node.map { [XMLAttribute(name: "node", value: $0)] } ?? [], children: [.element(identity)] + features)
  }

  /// The `<c/>` of the stream features after login (a SHA-1 of a few hundred bytes, once a
  /// login).
  static var serverCapsFeature: String {
    "<c xmlns='" + EntityCaps.namespace + "' hash='sha-1'" + StanzaText.attribute("node", capsNode)
      + StanzaText.attribute("ver", EntityCaps.ver(of: serverInfo())) + "/>"
  }
}
