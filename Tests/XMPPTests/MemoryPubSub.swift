import Text

@testable import XMPP

/// The store's PEP tables, private XML and capabilities cache, as MemoryBackend keeps them.
struct MemoryPubSub {
  struct Node {
    var owner: String
    var configuration: PEPConfiguration
    /// Oldest first.
    var items: [PEPItem] = []
  }
  /// By "owner\nnode".
  var nodes: [String: Node] = [:]
  var privateXML: [String: String] = [:]
  var caps: [String: [String]] = [:]
  /// How often the capabilities cache and the last items were asked for.
  var capsLookups = 0
  var lastItemsQueries = 0
  var maximumNodes = 100

  static func key(_ owner: String, _ node: String) -> String { ASCII.lowercased(owner) + "\n" + node }
}

extension MemoryBackend {
  func pepNode(owner: String, node: String) -> PEPNode? {
    pubSub.nodes[MemoryPubSub.key(owner, node)].map { PEPNode(name: node, configuration: $0.configuration) }
  }

  func pepNodes(owner: String) -> [PEPNode] {
    pubSub.nodes.filter { $0.value.owner == ASCII.lowercased(owner) }
      .map { PEPNode(name: String($0.key.split(separator: "\n")[1]), configuration: $0.value.configuration) }
      .sorted { $0.name < $1.name }
  }

  func pepItems(owner: String, node: String, limit: Int?, ids: [String]) -> [PEPItem] {
    let items = Array((pubSub.nodes[MemoryPubSub.key(owner, node)]?.items ?? []).reversed())
    if !ids.isEmpty { return ids.compactMap { id in items.first { $0.id == id } } }
    return Array(items.prefix(limit ?? items.count))
  }

  func pepPublish(owner: String, node: String, creating: PEPConfiguration, item: PEPItem) -> PEPOutcome {
    let key = MemoryPubSub.key(owner, node)
    if pubSub.nodes[key] == nil {
      guard pepNodes(owner: owner).count < pubSub.maximumNodes else { return .full }
      pubSub.nodes[key] = MemoryPubSub.Node(owner: ASCII.lowercased(owner), configuration: creating)
    }
    guard var stored = pubSub.nodes[key] else { return .notFound }
    stored.items.removeAll { $0.id == item.id }
    stored.items.append(item)
    let keep = stored.configuration.persistItems ? stored.configuration.maxItems ?? PEPConfiguration.maximumItems : 0
    stored.items = Array(stored.items.suffix(keep))
    pubSub.nodes[key] = stored
    return .done
  }

  func pepCreate(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome {
    guard pepNodes(owner: owner).count < pubSub.maximumNodes else { return .full }
    pubSub.nodes[MemoryPubSub.key(owner, node)] = MemoryPubSub.Node(owner: ASCII.lowercased(owner), configuration: configuration)
    return .done
  }

  func pepConfigure(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome {
    let key = MemoryPubSub.key(owner, node)
    guard pubSub.nodes[key] != nil else { return .notFound }
    pubSub.nodes[key]?.configuration = configuration
    return .done
  }

  func pepRetract(owner: String, node: String, id: String) -> PEPOutcome {
    let key = MemoryPubSub.key(owner, node)
    guard let items = pubSub.nodes[key]?.items, items.contains(where: { $0.id == id }) else { return .notFound }
    pubSub.nodes[key]?.items.removeAll { $0.id == id }
    return .done
  }

  func pepPurge(owner: String, node: String) -> PEPOutcome {
    let key = MemoryPubSub.key(owner, node)
    guard pubSub.nodes[key] != nil else { return .notFound }
    pubSub.nodes[key]?.items = []
    return .done
  }

  func pepDelete(owner: String, node: String) -> PEPOutcome {
    pubSub.nodes.removeValue(forKey: MemoryPubSub.key(owner, node)) == nil ? .notFound : .done
  }

  func pepLastItems(nodes: [String]) -> [PEPLastItem] {
    pubSub.lastItemsQueries += 1
    return pubSub.nodes.sorted { $0.key < $1.key }.compactMap { key, stored in
      let name = String(key.split(separator: "\n")[1])
      guard nodes.contains(name), stored.configuration.sendLastPublishedItem != "never", let last = stored.items.last
      else { return nil }
      return PEPLastItem(owner: stored.owner, node: PEPNode(name: name, configuration: stored.configuration), item: last)
    }
  }

  func privateXML(owner: String, namespace: String) -> String? {
    pubSub.privateXML[ASCII.lowercased(owner) + "\n" + namespace]
  }

  func setPrivateXML(_ element: String, owner: String, namespace: String) -> SessionStoreOutcome {
    guard element.utf8.count <= 65_536 else { return .full }
    pubSub.privateXML[ASCII.lowercased(owner) + "\n" + namespace] = element
    return .done
  }

  func capsFeatures(ver: String) -> [String]? {
    pubSub.capsLookups += 1
    return pubSub.caps[ver]
  }

  func storeCaps(ver: String, features: [String], at time: Int64) {
    pubSub.caps[ver] = features
  }
}
