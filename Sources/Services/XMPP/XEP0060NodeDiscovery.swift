#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Service discovery of one node on a user's bare JID (XEP-0060 §5.3-5.5): disco#info with a
/// `node` answers the leaf node's identity, the pubsub feature and its meta-data form;
/// disco#items with a `node` lists its items by id. A node the asker may not see is answered
/// as one that does not exist, so a whitelist node's name does not leak.
extension Session {
  mutating func nodeDiscovery(_ iq: XMLElement, _ query: XMLElement, account: JID, node: String) {
    guard let found = backend.pepNode(owner: account.local, node: node), maySee(owner: account.local, found.configuration)
    else { return bounce(iq, "item-not-found") }
    let owner = account.bare.description
    let head = "<query xmlns='" + query.namespace + "'" + StanzaText.attribute("node", node) + ">"
    guard query.namespace == StanzaNamespace.discoInfo else {
      let items = backend.pepItems(owner: account.local, node: node, limit: nil, ids: [])
      return pubSubResult(
        iq,
        head + items.map { "<item" + StanzaText.attribute("jid", owner) + StanzaText.attribute("name", $0.id) + "/>" }.joined()
          + "</query>")
    }
    let configuration = found.configuration
    pubSubResult(
      iq,
      head + "<identity category='pubsub' type='leaf'/><feature var='" + PubSubNamespace.pubsub + "'/>"
        + "<x xmlns='" + PubSubNamespace.dataForms + "' type='result'>"
        + Session.field("FORM_TYPE", type: "hidden", PubSubNamespace.pubsub + "#meta-data")
        + Session.field("pubsub#owner", type: "jid-single", owner)
        + Session.field("pubsub#access_model", type: "list-single", configuration.accessModel.rawValue)
        + Session.field("pubsub#persist_items", type: "boolean", configuration.persistItems ? "1" : "0")
        + Session.field("pubsub#max_items", type: "text-single", configuration.maxItems.map { String($0) } ?? "max")
        + "</x></query>")
  }
}
