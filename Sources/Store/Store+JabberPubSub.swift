/// What in.jabberd keeps for personal eventing (XEP-0163, PEP): each account's nodes with their
/// configuration and items; XEP-0049 private XML; and the entity capabilities (XEP-0115) seen,
/// shared by every process. Nodes and private XML belong to an account (`owner`, the account's
/// name; a room service can own nodes under its own name): storing for a name that is not one
/// is refused, and removing the account removes them.
extension Store {
  /// Nodes one account may have (OMEMO's legacy bundles take one per device).
  public static let maximumPEPNodes = 100
  /// Items one node may hold: what `max_items` "max" means.
  public static let maximumPEPItems = 256
  /// Bytes of one item's payload (a published item must fit one mesh message).
  public static let maximumPEPPayloadBytes = 131_072
  /// Bytes of every item of one account together.
  public static let maximumPEPBytesPerUser = 4 << 20
  /// Namespaces of private XML one account may keep, and the bytes of each.
  public static let maximumPrivateElements = 64
  public static let maximumPrivateBytes = 65_536
  /// Capability sets kept: past it the oldest go (a client that lies only fills its own).
  public static let maximumCapsEntries = 1000

  private static let nodeColumns = "node, access_model, persist_items, max_items, send_last_published_item, notify_retract"

  private static func node(_ row: Row) -> JabberPEPNode {
    JabberPEPNode(
      name: row.text(0),
      configuration: JabberPEPConfiguration(
        accessModel: row.text(1), persistItems: row.int(2) != 0, maxItems: row.optionalInt(3).map { Int($0) },
        sendLastPublishedItem: row.text(4), notifyRetract: row.int(5) != 0))
  }

  public func pepNode(owner: String, node: String) throws(StoreError) -> JabberPEPNode? {
    try database.row(
      "SELECT \(Self.nodeColumns) FROM jabber_pep_nodes WHERE owner = ? AND node = ?", .text(owner), .text(node),
      map: Self.node)
  }

  /// The account's nodes by name.
  public func pepNodes(owner: String) throws(StoreError) -> [JabberPEPNode] {
    try database.rows(
      "SELECT \(Self.nodeColumns) FROM jabber_pep_nodes WHERE owner = ? ORDER BY node", .text(owner), map: Self.node)
  }

  /// Creates the node; a duplicate when it exists.
  public func createPEPNode(owner: String, node: String, _ configuration: JabberPEPConfiguration) throws(StoreError) {
    try transaction { () throws(StoreError) in
      if try pepNode(owner: owner, node: node) != nil {
        throw .duplicate("jabber user '\(owner)' already has the node '\(node)'")
      }
      try insertNode(owner: owner, node: node, configuration)
    }
  }

  private func insertNode(owner: String, node: String, _ configuration: JabberPEPConfiguration) throws(StoreError) {
    try Self.validate(node: node, configuration)
    guard let user = try jabberAccount(named: owner) else { throw .notFound("no jabber user '\(owner)'") }
    let count = try database.row("SELECT count(*) FROM jabber_pep_nodes WHERE owner = ?", .text(user.name)) {
      $0.int(0)
    } ?? 0
    guard count < Self.maximumPEPNodes else {
      throw .invalid("jabber user '\(user.name)' has \(count) nodes, the most allowed")
    }
    try database.run(
      """
      INSERT INTO jabber_pep_nodes (owner, \(Self.nodeColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)
      """,
      .text(user.name), .text(node), .text(configuration.accessModel), .integer(configuration.persistItems ? 1 : 0),
      .integer(configuration.maxItems.map { Int64($0) }), .text(configuration.sendLastPublishedItem),
      .integer(configuration.notifyRetract ? 1 : 0))
  }

  /// Replaces the node's configuration; the items past a smaller `max_items` go.
  public func configurePEPNode(owner: String, node: String, _ configuration: JabberPEPConfiguration) throws(StoreError) {
    try Self.validate(node: node, configuration)
    try transaction { () throws(StoreError) in
      let changed = try database.run(
        """
        UPDATE jabber_pep_nodes SET access_model = ?, persist_items = ?, max_items = ?,
          send_last_published_item = ?, notify_retract = ?
        WHERE owner = ? AND node = ?
        """,
        .text(configuration.accessModel), .integer(configuration.persistItems ? 1 : 0),
        .integer(configuration.maxItems.map { Int64($0) }), .text(configuration.sendLastPublishedItem),
        .integer(configuration.notifyRetract ? 1 : 0), .text(owner), .text(node))
      if changed == 0 { throw .notFound("jabber user '\(owner)' has no node '\(node)'") }
      try trim(owner: owner, node: node)
    }
  }

  /// Publishes an item (replacing one of the same id, which becomes the newest), creating the
  /// node with `configuration` if it is not there; the oldest items past `max_items` go.
  public func publishPEPItem(
    owner: String, node: String, creating configuration: JabberPEPConfiguration, item: JabberPEPItem
  ) throws(StoreError) {
    guard item.payload.utf8.count <= Self.maximumPEPPayloadBytes else {
      throw .invalid("item '\(item.id)' of node '\(node)' is \(item.payload.utf8.count) bytes, more than \(Self.maximumPEPPayloadBytes)")
    }
    guard !item.id.isEmpty, item.id.utf8.count <= 1024 else { throw .invalid("invalid item id of node '\(node)'") }
    try transaction { () throws(StoreError) in
      if try pepNode(owner: owner, node: node) == nil { try insertNode(owner: owner, node: node, configuration) }
      let used = try database.row(
        """
        SELECT ifnull(sum(length(CAST(payload AS BLOB))), 0) FROM jabber_pep_items
        WHERE owner = ? AND NOT (node = ? AND item = ?)
        """, .text(owner), .text(node), .text(item.id)
      ) { $0.int(0) } ?? 0
      guard used + Int64(item.payload.utf8.count) <= Int64(Self.maximumPEPBytesPerUser) else {
        throw .invalid("the items of jabber user '\(owner)' would pass \(Self.maximumPEPBytesPerUser) bytes")
      }
      try database.run(
        """
        INSERT INTO jabber_pep_items (owner, node, item, payload, published, position)
        VALUES ((SELECT owner FROM jabber_pep_nodes WHERE owner = ? AND node = ?), ?, ?, ?, ?,
          (SELECT ifnull(max(position), 0) + 1 FROM jabber_pep_items WHERE owner = ? AND node = ?))
        ON CONFLICT (owner, node, item) DO UPDATE SET payload = excluded.payload, published = excluded.published,
          position = excluded.position
        """,
        .text(owner), .text(node), .text(node), .text(item.id), .text(item.payload), .integer(item.published),
        .text(owner), .text(node))
      try trim(owner: owner, node: node)
    }
  }

  /// Keeps the newest `max_items`, and none when items do not persist (XEP-0060's transient
  /// items: the notification was all of it, as prosody's mod_pep does).
  private func trim(owner: String, node: String) throws(StoreError) {
    try database.run(
      """
      DELETE FROM jabber_pep_items WHERE owner = ? AND node = ? AND position NOT IN (
        SELECT i.position FROM jabber_pep_items i JOIN jabber_pep_nodes n ON n.owner = i.owner AND n.node = i.node
        WHERE i.owner = ? AND i.node = ? ORDER BY i.position DESC
        LIMIT (SELECT CASE WHEN persist_items = 0 THEN 0 ELSE ifnull(max_items, ?) END
               FROM jabber_pep_nodes WHERE owner = ? AND node = ?))
      """,
      .text(owner), .text(node), .text(owner), .text(node), .integer(Int64(Self.maximumPEPItems)), .text(owner),
      .text(node))
  }

  /// The node's items, newest first: all, the newest `limit`, or those of `ids` (in that order).
  public func pepItems(owner: String, node: String, limit: Int? = nil, ids: [String] = []) throws(StoreError)
    -> [JabberPEPItem]
  {
    let items = try database.rows(
      """
      SELECT item, payload, published FROM jabber_pep_items WHERE owner = ? AND node = ?
      ORDER BY position DESC LIMIT ?
      """, .text(owner), .text(node), .integer(Int64(ids.isEmpty ? limit ?? -1 : -1))
    ) { JabberPEPItem(id: $0.text(0), payload: $0.text(1), published: $0.int(2)) }
    guard !ids.isEmpty else { return items }
    return ids.compactMap { id in items.first { $0.id == id } }
  }

  /// Removes one item; false when it was not there.
  public func retractPEPItem(owner: String, node: String, id: String) throws(StoreError) -> Bool {
    try database.run(
      "DELETE FROM jabber_pep_items WHERE owner = ? AND node = ? AND item = ?", .text(owner), .text(node), .text(id)) > 0
  }

  /// Removes every item of the node; false when there is no such node.
  public func purgePEPNode(owner: String, node: String) throws(StoreError) -> Bool {
    try transaction { () throws(StoreError) in
      guard try pepNode(owner: owner, node: node) != nil else { return false }
      try database.run("DELETE FROM jabber_pep_items WHERE owner = ? AND node = ?", .text(owner), .text(node))
      return true
    }
  }

  /// Removes the node with its items; false when there is no such node.
  public func deletePEPNode(owner: String, node: String) throws(StoreError) -> Bool {
    try database.run("DELETE FROM jabber_pep_nodes WHERE owner = ? AND node = ?", .text(owner), .text(node)) > 0
  }

  /// In one query: the newest item of every node named in `nodes`, of every account, whose
  /// configuration sends the last item to those who come online (what a login delivers).
  public func lastPEPItems(nodes: [String]) throws(StoreError) -> [(owner: String, node: JabberPEPNode, item: JabberPEPItem)] {
    guard !nodes.isEmpty else { return [] }
    // The set travels as one bound parameter, the names each ended by a line feed, split by a
    // recursive CTE so the index on node serves (the daemons' SQLite has no JSON). A name with
    // control characters is no node's (the client's caps may hold anything).
    let set = nodes.filter { !$0.utf8.contains(where: { $0 < 0x20 }) }.map { $0 + "\n" }.joined()
    return try database.rows(
      """
      WITH RECURSIVE wanted (name, rest) AS (
        SELECT NULL, ?
        UNION ALL
        SELECT substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1) FROM wanted
        WHERE rest != '')
      SELECT n.owner, n.node, n.access_model, n.persist_items, n.max_items, n.send_last_published_item,
        n.notify_retract, i.item, i.payload, i.published
      FROM jabber_pep_nodes n JOIN jabber_pep_items i ON i.owner = n.owner AND i.node = n.node
      WHERE n.node IN (SELECT name FROM wanted WHERE name IS NOT NULL) AND n.send_last_published_item != 'never'
        AND i.position = (SELECT max(position) FROM jabber_pep_items WHERE owner = n.owner AND node = n.node)
      ORDER BY n.owner, n.node
      """, .text(set)
    ) { row in
      (
        owner: row.text(0),
        node: JabberPEPNode(
          name: row.text(1),
          configuration: JabberPEPConfiguration(
            accessModel: row.text(2), persistItems: row.int(3) != 0, maxItems: row.optionalInt(4).map { Int($0) },
            sendLastPublishedItem: row.text(5), notifyRetract: row.int(6) != 0)),
        item: JabberPEPItem(id: row.text(7), payload: row.text(8), published: row.int(9))
      )
    }
  }

  private static func validate(node: String, _ configuration: JabberPEPConfiguration) throws(StoreError) {
    guard !node.isEmpty, node.utf8.count <= 1024, !node.utf8.contains(where: { $0 < 0x20 }) else {
      throw .invalid("invalid node name: 1-1024 bytes, no control characters")
    }
    guard JabberPEPConfiguration.accessModels.contains(configuration.accessModel),
      JabberPEPConfiguration.sendLastPublishedItemValues.contains(configuration.sendLastPublishedItem),
      (configuration.maxItems ?? 1) >= 1, (configuration.maxItems ?? 1) <= maximumPEPItems
    else {
      throw .invalid("invalid configuration of node '\(node)'")
    }
  }

  // MARK: XEP-0049 private XML storage

  /// The element kept under `namespace`, nil when none.
  public func privateXML(owner: String, namespace: String) throws(StoreError) -> String? {
    try database.row(
      "SELECT element FROM jabber_private WHERE owner = ? AND namespace = ?", .text(owner), .text(namespace)
    ) { $0.text(0) }
  }

  /// Keeps (replaces) the element of `namespace`.
  public func setPrivateXML(owner: String, namespace: String, _ element: String) throws(StoreError) {
    guard element.utf8.count <= Self.maximumPrivateBytes else {
      throw .invalid("private XML '\(namespace)' is \(element.utf8.count) bytes, more than \(Self.maximumPrivateBytes)")
    }
    try transaction { () throws(StoreError) in
      guard let user = try jabberAccount(named: owner) else { throw .notFound("no jabber user '\(owner)'") }
      let count = try database.row(
        "SELECT count(*) FROM jabber_private WHERE owner = ? AND namespace != ?", .text(user.name), .text(namespace)
      ) { $0.int(0) } ?? 0
      guard count < Self.maximumPrivateElements else {
        throw .invalid("jabber user '\(user.name)' keeps \(count) private elements, the most allowed")
      }
      try database.run(
        """
        INSERT INTO jabber_private (owner, namespace, element) VALUES (?, ?, ?)
        ON CONFLICT (owner, namespace) DO UPDATE SET element = excluded.element
        """, .text(user.name), .text(namespace), .text(element))
    }
  }

  // MARK: XEP-0115 capabilities, shared by every process

  /// The features of a verified capabilities hash, nil when not seen.
  public func capsFeatures(ver: String) throws(StoreError) -> [String]? {
    try database.row("SELECT features FROM jabber_caps WHERE ver = ?", .text(ver)) { row in
      row.text(0).split(separator: "\n").map(String.init)
    }
  }

  /// Remembers a verified hash's features (none holds a line feed); the oldest entries go past
  /// `maximumCapsEntries`.
  public func storeCaps(ver: String, features: [String], at stored: Int64) throws(StoreError) {
    guard ver.utf8.count <= 256, features.count <= 1000, !features.contains(where: { $0.utf8.contains(0x0A) }) else {
      throw .invalid("invalid capabilities '\(ver)'")
    }
    try transaction { () throws(StoreError) in
      try database.run(
        """
        INSERT INTO jabber_caps (ver, features, stored) VALUES (?, ?, ?)
        ON CONFLICT (ver) DO UPDATE SET stored = excluded.stored
        """, .text(ver), .text(features.joined(separator: "\n")), .integer(stored))
      try database.run(
        "DELETE FROM jabber_caps WHERE ver NOT IN (SELECT ver FROM jabber_caps ORDER BY stored DESC, rowid DESC LIMIT ?)",
        .integer(Int64(Self.maximumCapsEntries)))
    }
  }

  /// Removal of an account takes its nodes, items and private XML (Store+Jabber.swift).
  func removeJabberPubSub(of name: String) throws(StoreError) {
    try database.run("DELETE FROM jabber_pep_items WHERE owner = ?", .text(name))
    try database.run("DELETE FROM jabber_pep_nodes WHERE owner = ?", .text(name))
    try database.run("DELETE FROM jabber_private WHERE owner = ?", .text(name))
  }
}

/// A node's configuration (XEP-0060 §16.4, pubsub#node_config), as stored.
public struct JabberPEPConfiguration: Equatable, Sendable {
  public static let accessModels = ["open", "presence", "roster", "whitelist"]
  public static let sendLastPublishedItemValues = ["never", "on_sub", "on_sub_and_presence"]

  public var accessModel: String
  public var persistItems: Bool
  /// nil: "max" (`Store.maximumPEPItems`).
  public var maxItems: Int?
  public var sendLastPublishedItem: String
  public var notifyRetract: Bool

  public init(
    accessModel: String = "presence", persistItems: Bool = true, maxItems: Int? = 1,
    sendLastPublishedItem: String = "on_sub_and_presence", notifyRetract: Bool = true
  ) {
    self.accessModel = accessModel
    self.persistItems = persistItems
    self.maxItems = maxItems
    self.sendLastPublishedItem = sendLastPublishedItem
    self.notifyRetract = notifyRetract
  }
}

public struct JabberPEPNode: Equatable, Sendable {
  public var name: String
  public var configuration: JabberPEPConfiguration
}

public struct JabberPEPItem: Equatable, Sendable {
  public var id: String
  /// The payload element, serialised.
  public var payload: String
  /// Unix time (seconds) it was published.
  public var published: Int64

  public init(id: String, payload: String, published: Int64) {
    self.id = id
    self.payload = payload
    self.published = published
  }
}
