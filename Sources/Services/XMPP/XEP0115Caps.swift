#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// Entity capabilities (XEP-0115): how a session learns which PEP nodes its own client wants
/// (`NODE+notify` features). Each process learns only its own client's. A `ver` is looked up in
/// the store's cache, shared by every process; an unknown one is asked of the client with
/// disco#info and, when its SHA-1 verification string (§5) matches, cached for the others. An
/// unverifiable answer (another hash, a mismatch) still serves this session, never the cache.
public enum EntityCaps {
  public static let namespace = "http://jabber.org/protocol/caps"

  /// §5.1: the verification string of a disco#info `<query>`, hashed with SHA-1, in base64.
  public static func ver(of info: XMLElement) -> String {
    Base64.encode(SHA1.hash(Array(verificationString(of: info).utf8)))
  }

  static func verificationString(of info: XMLElement) -> String {
    func octets(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
    var text = ""
    let identities = info.elements.filter { $0.name == "identity" }.map { identity in
      [identity.attribute("category"), identity.attribute("type"), identity.attribute("xml:lang"), identity.attribute("name")]
        .map { $0 ?? "" }.joined(separator: "/")
    }
    for identity in identities.sorted(by: octets) { text += identity + "<" }
    let features = info.elements.filter { $0.name == "feature" }.compactMap { $0.attribute("var") }
    for feature in features.sorted(by: octets) { text += feature + "<" }
    var forms: [(type: String, fields: [(name: String, values: [String])])] = []
    for form in info.elements where form.name == "x" && form.namespace == PubSubNamespace.dataForms {
      let fields = form.elements.filter { $0.name == "field" }
      guard let type = fields.first(where: { $0.attribute("var") == "FORM_TYPE" })?.child("value")?.text else { continue }
      forms.append(
        (
          type: type,
          fields: fields.compactMap { field in
            guard let name = field.attribute("var"), name != "FORM_TYPE" else { return nil }
            return (name: name, values: field.elements.filter { $0.name == "value" }.map { $0.text })
          }
        ))
    }
    for form in forms.sorted(by: { octets($0.type, $1.type) }) {
      text += form.type + "<"
      for field in form.fields.sorted(by: { octets($0.name, $1.name) }) {
        text += field.name + "<"
        for value in field.values.sorted(by: octets) { text += value + "<" }
      }
    }
    return text
  }
}

extension Session {
  /// The client's available presence: its capabilities, if it names them, known from the
  /// cache or asked of it; then the last items it wants (once its interests are known).
  mutating func noteCapabilities(_ presence: XMLElement) {
    guard let jid else { return }
    if let caps = presence.child("c", namespace: EntityCaps.namespace), let ver = caps.attribute("ver"),
      let node = caps.attribute("node"), ver != pep.capsVer
    {
      pep.capsVer = ver
      let verifiable = caps.attribute("hash") == "sha-1"
      if verifiable, let features = backend.capsFeatures(ver: ver) {
        pep.interests = Session.interests(in: features)
      } else {
        pep.capsQueries += 1
        let id = "slug-caps-\(pep.capsQueries)"
        pep.capsQuery = (id: id, node: node, ver: ver, verifiable: verifiable)
        write(
          "<iq type='get'" + StanzaText.attribute("id", id) + StanzaText.attribute("from", domain)
            + StanzaText.attribute("to", jid.description) + "><query xmlns='" + StanzaNamespace.discoInfo + "'"
            + StanzaText.attribute("node", node + "#" + ver) + "/></iq>")
      }
    }
    deliverLastPEPItems()
  }

  /// The client's answer to our disco#info query; false for any other iq result or error.
  mutating func capabilitiesAnswer(_ iq: XMLElement) -> Bool {
    guard let query = pep.capsQuery, iq.attribute("id") == query.id else { return false }
    pep.capsQuery = nil
    guard iq.attribute("type") == "result", let info = iq.child("query", namespace: StanzaNamespace.discoInfo) else {
      pep.interests = []
      return true
    }
    let features = info.elements.filter { $0.name == "feature" }.compactMap { $0.attribute("var") }
    if query.verifiable, EntityCaps.ver(of: info) == query.ver {
      backend.storeCaps(ver: query.ver, features: features, at: now / 1000)
    }
    pep.interests = Session.interests(in: features)
    deliverLastPEPItems()
    return true
  }

  /// The nodes named by `+notify` features.
  static func interests(in features: [String]) -> Set<String> {
    Set(features.compactMap { $0.hasSuffix("+notify") ? String($0.dropLast(7)) : nil })
  }
}
