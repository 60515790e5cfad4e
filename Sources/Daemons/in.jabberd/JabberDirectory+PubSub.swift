/// PEP nodes and items, private XML and the capabilities cache in the store
/// (Store+JabberPubSub.swift), as the session asks for them (XEP0163PEP.swift). Without a
/// store there is nothing to read, and writes are service-unavailable.
extension JabberDirectory {
  private func reading<T>(_ fallback: T, _ body: (Store) throws(StoreError) -> T) -> T {
    guard let store = openStore() else { return fallback }
    return logging { () throws(StoreError) in try body(store) } ?? fallback
  }

  /// A limit reached (StoreError.invalid) is the client's resource-constraint, a missing node or
  /// item not-found; anything else means the store cannot take it now.
  private func writing(_ body: (Store) throws(StoreError) -> Bool) -> PEPOutcome {
    guard let store = openStore() else { return .unavailable }
    do throws(StoreError) {
      return try body(store) ? .done : .notFound
    } catch {
      log.error("store: \(error.description)")
      switch error {
      case .invalid: return .full
      case .notFound: return .notFound
      default: return .unavailable
      }
    }
  }

  static func node(_ node: JabberPEPNode) -> PEPNode {
    let stored = node.configuration
    return PEPNode(
      name: node.name,
      configuration: PEPConfiguration(
        accessModel: PEPConfiguration.AccessModel(rawValue: stored.accessModel) ?? .whitelist,
        persistItems: stored.persistItems, maxItems: stored.maxItems, sendLastPublishedItem: stored.sendLastPublishedItem,
        notifyRetract: stored.notifyRetract))
  }

  static func stored(_ configuration: PEPConfiguration) -> JabberPEPConfiguration {
    JabberPEPConfiguration(
      accessModel: configuration.accessModel.rawValue, persistItems: configuration.persistItems,
      maxItems: configuration.maxItems, sendLastPublishedItem: configuration.sendLastPublishedItem,
      notifyRetract: configuration.notifyRetract)
  }

  static func item(_ item: JabberPEPItem) -> PEPItem {
    PEPItem(id: item.id, payload: item.payload, published: item.published)
  }

  func pepNode(owner: String, node: String) -> PEPNode? {
    reading(nil) { store throws(StoreError) in try store.pepNode(owner: owner, node: node).map(JabberDirectory.node) }
  }

  func pepNodes(owner: String) -> [PEPNode] {
    reading([]) { store throws(StoreError) in try store.pepNodes(owner: owner).map(JabberDirectory.node) }
  }

  func pepItems(owner: String, node: String, limit: Int?, ids: [String]) -> [PEPItem] {
    reading([]) { store throws(StoreError) in
      try store.pepItems(owner: owner, node: node, limit: limit, ids: ids).map(JabberDirectory.item)
    }
  }

  func pepPublish(owner: String, node: String, creating: PEPConfiguration, item: PEPItem) -> PEPOutcome {
    writing { store throws(StoreError) in
      try store.publishPEPItem(
        owner: owner, node: node, creating: JabberDirectory.stored(creating),
        item: JabberPEPItem(id: item.id, payload: item.payload, published: item.published))
      return true
    }
  }

  func pepCreate(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome {
    writing { store throws(StoreError) in
      try store.createPEPNode(owner: owner, node: node, JabberDirectory.stored(configuration))
      return true
    }
  }

  func pepConfigure(owner: String, node: String, _ configuration: PEPConfiguration) -> PEPOutcome {
    writing { store throws(StoreError) in
      try store.configurePEPNode(owner: owner, node: node, JabberDirectory.stored(configuration))
      return true
    }
  }

  func pepRetract(owner: String, node: String, id: String) -> PEPOutcome {
    writing { store throws(StoreError) in try store.retractPEPItem(owner: owner, node: node, id: id) }
  }

  func pepPurge(owner: String, node: String) -> PEPOutcome {
    writing { store throws(StoreError) in try store.purgePEPNode(owner: owner, node: node) }
  }

  func pepDelete(owner: String, node: String) -> PEPOutcome {
    writing { store throws(StoreError) in try store.deletePEPNode(owner: owner, node: node) }
  }

  func pepLastItems(nodes: [String]) -> [PEPLastItem] {
    reading([]) { store throws(StoreError) in
      try store.lastPEPItems(nodes: nodes).map {
        PEPLastItem(owner: $0.owner, node: JabberDirectory.node($0.node), item: JabberDirectory.item($0.item))
      }
    }
  }

  func privateXML(owner: String, namespace: String) -> String? {
    reading(nil) { store throws(StoreError) in try store.privateXML(owner: owner, namespace: namespace) }
  }

  func setPrivateXML(_ element: String, owner: String, namespace: String) -> SessionStoreOutcome {
    switch writing({ store throws(StoreError) in
      try store.setPrivateXML(owner: owner, namespace: namespace, element)
      return true
    }) {
    case .done: .done
    case .full: .full
    case .notFound, .unavailable: .unavailable
    }
  }

  func capsFeatures(ver: String) -> [String]? {
    reading(nil) { store throws(StoreError) in try store.capsFeatures(ver: ver) }
  }

  func storeCaps(ver: String, features: [String], at time: Int64) {
    _ = writing { store throws(StoreError) in
      try store.storeCaps(ver: ver, features: features, at: time)
      return true
    }
  }
}
