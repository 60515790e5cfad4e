#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The pubsub requests a client sends to a bare JID (its own, or another user's to read):
/// publish with publish-options (§7.1), retract (§7.2), items (§6.5), create (§8.1); and the
/// owner's configure (§8.2), default (§8.3), delete (§8.4) and purge (§8.5). Subscriptions are
/// implicit in PEP (XEP-0163 §4: presence and +notify), so subscribe and the like are refused
/// as not implemented.
extension Session {
  /// `about`: the bare JID the iq was addressed to, nil for none (the user's own) or the server.
  mutating func pubSub(_ iq: XMLElement, _ pubsub: XMLElement, about account: JID?) {
    guard let jid else { return }
    if account == nil, iq.attribute("to") != nil {
      return bounce(iq, "service-unavailable")  // no pubsub service on the domain itself
    }
    let owner = account?.local ?? jid.local
    guard backend.account(named: owner) != nil else { return bounce(iq, "item-not-found") }
    let isGet = iq.attribute("type") == "get"
    let own = owner == jid.local
    guard let request = pubsub.elements.first else { return bounce(iq, "bad-request") }
    if pubsub.namespace == PubSubNamespace.owner {
      guard own else { return pubSubError(iq, "forbidden") }
      return ownerRequest(iq, request, isGet: isGet)
    }
    switch (request.name, isGet) {
    case ("items", true): items(iq, request, owner: owner)
    case ("publish", false):
      guard own else { return pubSubError(iq, "forbidden") }
      publish(iq, pubsub, request)
    case ("retract", false):
      guard own else { return pubSubError(iq, "forbidden") }
      retract(iq, request)
    case ("create", false):
      guard own else { return pubSubError(iq, "forbidden") }
      create(iq, pubsub, request)
    case ("items", false), ("publish", true), ("retract", true), ("create", true):
      bounce(iq, "bad-request")
    default:
      pubSubError(iq, "feature-not-implemented", "unsupported", feature: request.name)
    }
  }

  /// The node a request names; nil after refusing one that names none.
  mutating func nodeName(_ iq: XMLElement, _ request: XMLElement) -> String? {
    guard let node = request.attribute("node"), !node.isEmpty, !node.utf8.contains(where: { $0 < 0x20 }),
      node.utf8.count <= 1024
    else {
      pubSubError(iq, "bad-request", "nodeid-required")
      return nil
    }
    return node
  }

  mutating func publish(_ iq: XMLElement, _ pubsub: XMLElement, _ request: XMLElement) {
    guard let jid, let node = nodeName(iq, request) else { return }
    let items = request.elements.filter { $0.name == "item" }
    guard items.count == 1, let item = items.first else { return pubSubError(iq, "bad-request", "item-required") }
    guard item.elements.count == 1, let element = item.elements.first else {
      return pubSubError(iq, "bad-request", item.elements.isEmpty ? "payload-required" : "invalid-payload")
    }
    let payload = element.xml(parentNamespace: "")
    guard payload.utf8.count <= Session.maximumPEPPayloadBytes else {
      return pubSubError(iq, "not-acceptable", "payload-too-big")
    }
    var options: [String: [String]]?
    if let form = pubsub.child("publish-options")?.elements.first {
      guard let fields = PEPConfiguration.fields(of: form) else { return pubSubError(iq, "bad-request", "invalid-options") }
      options = fields
    }
    var configuration = PEPConfiguration()
    if let existing = backend.pepNode(owner: jid.local, node: node) {
      if let options, !existing.configuration.satisfies(options) {
        return pubSubError(iq, "conflict", "precondition-not-met")
      }
      configuration = existing.configuration
    } else if let options {
      guard let chosen = configuration.applying(options) else { return pubSubError(iq, "conflict", "precondition-not-met") }
      configuration = chosen
    }
    let id = item.attribute("id").flatMap { $0.isEmpty ? nil : $0 } ?? Hex.lowercase(randomBytes(8))
    let published = PEPItem(id: id, payload: payload, published: now / 1000)
    guard stored(iq, backend.pepPublish(owner: jid.local, node: node, creating: configuration, item: published)) else {
      return
    }
    pubSubResult(
      iq,
      "<pubsub xmlns='" + PubSubNamespace.pubsub + "'><publish" + StanzaText.attribute("node", node) + "><item"
        + StanzaText.attribute("id", id) + "/></publish></pubsub>")
    notifyPEP(
      node: node, configuration,
      event: "<items" + StanzaText.attribute("node", node) + ">" + published.xml + "</items>")
  }

  /// True when the store took it; otherwise the error is sent.
  mutating func stored(_ iq: XMLElement, _ outcome: PEPOutcome) -> Bool {
    switch outcome {
    case .done: return true
    case .notFound: pubSubError(iq, "item-not-found")
    case .full: pubSubError(iq, "resource-constraint")
    case .unavailable: bounce(iq, "service-unavailable")
    }
    return false
  }

  mutating func items(_ iq: XMLElement, _ request: XMLElement, owner: String) {
    guard let node = nodeName(iq, request) else { return }
    guard let found = backend.pepNode(owner: owner, node: node) else { return pubSubError(iq, "item-not-found") }
    guard maySee(owner: owner, found.configuration) else { return pubSubError(iq, "not-allowed", "closed-node") }
    let ids = request.elements.filter { $0.name == "item" }.compactMap { $0.attribute("id") }
    var limit: Int?
    if let text = request.attribute("max_items") {
      guard let number = Int(text), number >= 0 else { return pubSubError(iq, "bad-request") }
      limit = number
    }
    // Newest first from the store; sent oldest first.
    let newestFirst = backend.pepItems(owner: owner, node: node, limit: limit, ids: ids)
    let listed = ids.isEmpty ? Array(newestFirst.reversed()) : newestFirst
    pubSubResult(
      iq,
      "<pubsub xmlns='" + PubSubNamespace.pubsub + "'><items" + StanzaText.attribute("node", node) + ">"
        + listed.map { $0.xml }.joined() + "</items></pubsub>")
  }

  mutating func retract(_ iq: XMLElement, _ request: XMLElement) {
    guard let jid, let node = nodeName(iq, request) else { return }
    guard let id = request.child("item")?.attribute("id"), !id.isEmpty else {
      return pubSubError(iq, "bad-request", "item-required")
    }
    guard let found = backend.pepNode(owner: jid.local, node: node) else { return pubSubError(iq, "item-not-found") }
    guard stored(iq, backend.pepRetract(owner: jid.local, node: node, id: id)) else { return }
    pubSubResult(iq)
    let notify = request.attribute("notify").flatMap(PEPConfiguration.boolean) ?? found.configuration.notifyRetract
    if notify {
      notifyPEP(
        node: node, found.configuration,
        event: "<items" + StanzaText.attribute("node", node) + "><retract" + StanzaText.attribute("id", id) + "/></items>")
    }
  }

  mutating func create(_ iq: XMLElement, _ pubsub: XMLElement, _ request: XMLElement) {
    guard let jid, let node = nodeName(iq, request) else { return }
    var configuration = PEPConfiguration()
    if let form = pubsub.child("configure")?.elements.first {
      guard let fields = PEPConfiguration.fields(of: form), let chosen = configuration.applying(fields) else {
        return pubSubError(iq, "not-acceptable")
      }
      configuration = chosen
    }
    guard backend.pepNode(owner: jid.local, node: node) == nil else { return pubSubError(iq, "conflict") }
    guard stored(iq, backend.pepCreate(owner: jid.local, node: node, configuration)) else { return }
    pubSubResult(iq)
  }

  mutating func ownerRequest(_ iq: XMLElement, _ request: XMLElement, isGet: Bool) {
    guard let jid else { return }
    if request.name == "default", isGet {
      return pubSubResult(
        iq, "<pubsub xmlns='" + PubSubNamespace.owner + "'><default>" + PEPConfiguration().form() + "</default></pubsub>")
    }
    guard ["configure", "delete", "purge"].contains(request.name) else {
      return pubSubError(iq, "feature-not-implemented", "unsupported", feature: request.name)
    }
    guard let node = nodeName(iq, request) else { return }
    guard let found = backend.pepNode(owner: jid.local, node: node) else { return pubSubError(iq, "item-not-found") }
    switch (request.name, isGet) {
    case ("configure", true):
      pubSubResult(
        iq,
        "<pubsub xmlns='" + PubSubNamespace.owner + "'><configure" + StanzaText.attribute("node", node) + ">"
          + found.configuration.form() + "</configure></pubsub>")
    case ("configure", false):
      guard let form = request.elements.first, form.attribute("type") != "cancel" else { return pubSubResult(iq) }
      guard let fields = PEPConfiguration.fields(of: form), let chosen = found.configuration.applying(fields) else {
        return pubSubError(iq, "not-acceptable")
      }
      guard stored(iq, backend.pepConfigure(owner: jid.local, node: node, chosen)) else { return }
      pubSubResult(iq)
    case ("delete", false):
      guard stored(iq, backend.pepDelete(owner: jid.local, node: node)) else { return }
      pubSubResult(iq)
      notifyPEP(node: node, found.configuration, event: "<delete" + StanzaText.attribute("node", node) + "/>")
    case ("purge", false):
      guard stored(iq, backend.pepPurge(owner: jid.local, node: node)) else { return }
      pubSubResult(iq)
      notifyPEP(node: node, found.configuration, event: "<purge" + StanzaText.attribute("node", node) + "/>")
    default:
      bounce(iq, "bad-request")
    }
  }
}
