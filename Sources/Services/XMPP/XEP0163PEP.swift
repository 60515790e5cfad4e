#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Personal eventing (XEP-0163) across processes. The publisher's process stores the item, then
/// tells every session process that may see the node (one mesh message each, `pep`, see
/// SessionMeshMessage.swift); each of those writes the notification to its own client only if
/// that client asked for the node (`NODE+notify` in its entity capabilities, XEP0115Caps.swift).
/// A client that comes online is sent the last item of every node it wants, of every account,
/// from the store in one query: an owner who is offline still reaches it.
public protocol SessionPubSubBackend {
  func pepNode(owner: String, node: String) -> PEPNode?
  /// The account's nodes by name.
  func pepNodes(owner: String) -> [PEPNode]
  /// Newest first: all, the newest `limit`, or those of `ids` (in that order).
  func pepItems(owner: String, node: String, limit: Int?, ids: [String]) -> [PEPItem]
  /// Creates the node with `creating` when it is not there; the oldest items past max_items go.
  mutating func pepPublish(owner: String, node: String, creating: PEPConfiguration, item: PEPItem) -> PEPOutcome
  mutating func pepCreate(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome
  mutating func pepConfigure(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome
  mutating func pepRetract(owner: String, node: String, id: String) -> PEPOutcome
  mutating func pepPurge(owner: String, node: String) -> PEPOutcome
  mutating func pepDelete(owner: String, node: String) -> PEPOutcome
  /// The newest item of each node named in `nodes`, of every account, that is sent to those
  /// who come online (send_last_published_item not never).
  func pepLastItems(nodes: [String]) -> [PEPLastItem]
  /// XEP-0049: the element kept under `namespace`.
  func privateXML(owner: String, namespace: String) -> String?
  mutating func setPrivateXML(_ element: String, owner: String, namespace: String) -> SessionStoreOutcome
  /// XEP-0115: the features of a verified capabilities hash, shared by every process.
  func capsFeatures(ver: String) -> [String]?
  mutating func storeCaps(ver: String, features: [String], at time: Int64)
}

/// What a session knows of its client's interests and what it has sent it.
struct SessionPEPState {
  /// The `ver` of the capabilities last announced.
  var capsVer: String?
  /// The nodes the client wants notifications of (its `+notify` features); nil while unknown.
  var interests: Set<String>?
  /// The disco#info query sent to the client to learn an unknown `ver`.
  var capsQuery: (id: String, node: String, ver: String, verifiable: Bool)?
  var capsQueries = 0
  /// Nodes whose last items the client was sent since it became available.
  var lastItemsSent: Set<String> = []
  var notifications = 0
}

extension Session {
  /// Payloads bigger than this are refused (a notification must fit one mesh message).
  static var maximumPEPPayloadBytes: Int { 131_072 }

  /// The account features of disco#info on a bare JID (XEP-0163 §9, XEP-0060 §10).
  static var pepFeatures: [String] {
    [
      "publish", "publish-options", "auto-create", "auto-subscribe", "create-nodes", "config-node", "retrieve-items",
      "retract-items", "delete-nodes", "purge-nodes", "retrieve-default", "persistent-items", "last-published",
      "item-ids", "filtered-notifications", "access-open", "access-presence", "access-roster", "access-whitelist",
    ].map { PubSubNamespace.pubsub + "#" + $0 }
  }

  /// disco#info of an account (XEP-0163 §9.1): the PEP service on its bare JID.
  func accountDiscoInfo() -> String {
    "<query xmlns='" + StanzaNamespace.discoInfo
      + "'><identity category='account' type='registered'/><identity category='pubsub' type='pep'/>"
      + ([StanzaNamespace.discoInfo, StanzaNamespace.discoItems, PubSubNamespace.pubsub, Session.bookmarks + "#compat"]
        + Session.pepFeatures
        + (archiving ? [StanzaNamespace.mam, StanzaNamespace.mam + "#extended", StanzaNamespace.stanzaID] : [])).map {
        "<feature var='" + $0 + "'/>"
      }.joined() + "</query>"
  }

  /// disco#items of an account: the nodes the asker may see.
  func accountDiscoItems(_ account: JID) -> String {
    let owner = account.bare.description
    let nodes = backend.pepNodes(owner: account.local).filter { maySee(owner: account.local, $0.configuration) }
    return "<query xmlns='" + StanzaNamespace.discoItems + "'>"
      + nodes.map { "<item" + StanzaText.attribute("jid", owner) + StanzaText.attribute("node", $0.name) + "/>" }.joined()
      + "</query>"
  }

  /// An event of our own node (`event` is the content of `<event>`): to our client if it wants
  /// it, and to every other session that may see the node; a whitelist node only to our own.
  mutating func notifyPEP(node: String, _ configuration: PEPConfiguration, event: String) {
    guard let jid else { return }
    let xml = "<event xmlns='" + PubSubNamespace.event + "'>" + event + "</event>"
    deliverPEP(owner: jid.local, node: node, xml)
    let bytes = SessionMeshMessage.pep(owner: jid.local, node: node, xml: xml).bytes
    guard bytes.count <= SessionMeshMessage.maximumBytes else {
      // The node name is the client's: the daemon's Log escapes every line.
      return log(
        .warning,
        "PEP event of node '" + node + "' too big for the mesh, from " + (backend.clientAddress ?? "unknown"))
    }
    if configuration.accessModel == .whitelist {
      for target in peers(of: jid.local) { actions.append(.meshSend(target.peer, bytes)) }
    } else {
      actions.append(.meshBroadcast(bytes))
    }
  }

  /// A `pep` mesh message: only the owner's own process speaks for its nodes.
  mutating func peerPEP(_ peer: SessionPeer, owner: String, node: String, _ xml: String) {
    guard let state = peers[peer], state.jid.local == ASCII.lowercased(owner) else { return }
    deliverPEP(owner: state.jid.local, node: node, xml)
  }

  /// The notification (XEP-0163 §4.3) to our client, if it is available and wants the node;
  /// `published` (Unix seconds) for an item published before now, which carries a XEP-0203
  /// delay so the client does not take an old avatar or device list for news.
  mutating func deliverPEP(owner: String, node: String, _ event: String, published: Int64? = nil) {
    guard let jid, presence != nil, pep.interests?.contains(node) == true else { return }
    pep.notifications += 1
    let from = ASCII.lowercased(owner) + "@" + domain
    let delay = published.map {
      "<delay xmlns='" + StanzaNamespace.delay + "'" + StanzaText.attribute("from", from)
        + StanzaText.attribute("stamp", XEP0082Time.format(milliseconds: $0 * 1000)) + "/>"
    }
    write(
      "<message type='headline'" + StanzaText.attribute("from", from) + StanzaText.attribute("to", jid.description)
        + " id='pep-\(pep.notifications)'>" + event + (delay ?? "") + "</message>")
  }

  /// The client is available and its interests known: the last item of every node it wants
  /// and has not yet been sent, of every account it may see (XEP-0163 §4.3.2), from the store.
  mutating func deliverLastPEPItems() {
    guard presence != nil, let interests = pep.interests else { return }
    let wanted = interests.subtracting(pep.lastItemsSent)
    guard !wanted.isEmpty else { return }
    pep.lastItemsSent.formUnion(wanted)
    for last in backend.pepLastItems(nodes: wanted.sorted()) where maySee(owner: last.owner, last.node.configuration) {
      deliverPEP(
        owner: last.owner, node: last.node.name,
        "<event xmlns='" + PubSubNamespace.event + "'><items" + StanzaText.attribute("node", last.node.name) + ">"
          + last.item.xml + "</items></event>", published: last.item.published)
    }
  }
}
