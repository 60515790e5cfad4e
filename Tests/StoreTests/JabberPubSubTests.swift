import XCTest

@testable import Store

/// PEP nodes and items, private XML and the capabilities cache (Store+JabberPubSub.swift).
final class JabberPubSubTests: StoreTestCase {
  private func storeWithUsers(_ names: String...) throws -> Store {
    let store = try openStore()
    for name in names { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    return store
  }

  private func item(_ id: String, _ text: String = "x", at time: Int64 = 100) -> JabberPEPItem {
    JabberPEPItem(id: id, payload: "<p xmlns='urn:test'>\(text)</p>", published: time)
  }

  func testPublishingCreatesTheNodeWithItsConfigurationAndReplacesAnItemOfTheSameID() throws {
    let store = try storeWithUsers("Alice")
    let open = JabberPEPConfiguration(accessModel: "open", maxItems: nil)
    try store.publishPEPItem(owner: "alice", node: "urn:xmpp:omemo:2:bundles", creating: open, item: item("1", "one"))
    try store.publishPEPItem(owner: "ALICE", node: "urn:xmpp:omemo:2:bundles", creating: open, item: item("2", "two"))
    try store.publishPEPItem(owner: "alice", node: "urn:xmpp:omemo:2:bundles", creating: open, item: item("1", "again"))
    XCTAssertEqual(try store.pepNode(owner: "alice", node: "urn:xmpp:omemo:2:bundles")?.configuration, open)
    let items = try store.pepItems(owner: "alice", node: "urn:xmpp:omemo:2:bundles")
    XCTAssertEqual(items.map { $0.id }, ["1", "2"], "newest first: the republished item became the newest")
    XCTAssertEqual(items.first?.payload, "<p xmlns='urn:test'>again</p>")
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "urn:xmpp:omemo:2:bundles", limit: 1).map { $0.id }, ["1"])
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "urn:xmpp:omemo:2:bundles", ids: ["2", "9"]).map { $0.id }, ["2"])
  }

  func testMaxItemsKeepsTheNewestAndATransientNodeNothing() throws {
    let store = try storeWithUsers("alice")
    for number in 1...5 {
      try store.publishPEPItem(
        owner: "alice", node: "three", creating: JabberPEPConfiguration(maxItems: 3), item: item("\(number)"))
      try store.publishPEPItem(
        owner: "alice", node: "transient", creating: JabberPEPConfiguration(persistItems: false, maxItems: nil),
        item: item("\(number)"))
    }
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "three").map { $0.id }, ["5", "4", "3"])
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "transient").map { $0.id }, [], "the notification was all")
    XCTAssertNotNil(try store.pepNode(owner: "alice", node: "transient"), "the node stays")
    try store.configurePEPNode(owner: "alice", node: "three", JabberPEPConfiguration(maxItems: 1))
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "three").map { $0.id }, ["5"], "a smaller max_items trims")
    try store.configurePEPNode(owner: "alice", node: "three", JabberPEPConfiguration(persistItems: false))
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "three").map { $0.id }, [], "made transient, it keeps nothing")
  }

  func testLimitsAreRefusedWithAClearError() throws {
    let store = try storeWithUsers("alice")
    let big = JabberPEPItem(id: "big", payload: String(repeating: "a", count: Store.maximumPEPPayloadBytes + 1), published: 1)
    assertThrows(.invalid("item 'big' of node 'n' is 131073 bytes, more than 131072")) { () throws(StoreError) in
      try store.publishPEPItem(owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: big)
    }
    try store.transaction { () throws(StoreError) in
      for number in 0..<Store.maximumPEPNodes {
        try store.createPEPNode(owner: "alice", node: "node\(number)", JabberPEPConfiguration())
      }
    }
    assertThrows(.invalid("jabber user 'alice' has 100 nodes, the most allowed")) { () throws(StoreError) in
      try store.publishPEPItem(owner: "alice", node: "one more", creating: JabberPEPConfiguration(), item: item("1"))
    }
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.publishPEPItem(owner: "carol", node: "n", creating: JabberPEPConfiguration(), item: item("1"))
    }
    assertThrows(.duplicate("jabber user 'alice' already has the node 'node0'")) { () throws(StoreError) in
      try store.createPEPNode(owner: "alice", node: "node0", JabberPEPConfiguration())
    }
    assertThrows(.invalid("invalid configuration of node 'node1'")) { () throws(StoreError) in
      try store.configurePEPNode(owner: "alice", node: "node1", JabberPEPConfiguration(accessModel: "authorize"))
    }
  }

  func testTheItemsOfOneUserAreLimitedInBytes() throws {
    let store = try storeWithUsers("alice")
    let payload = String(repeating: "a", count: Store.maximumPEPPayloadBytes)
    let fit = Store.maximumPEPBytesPerUser / Store.maximumPEPPayloadBytes
    try store.transaction { () throws(StoreError) in
      for number in 0..<fit {
        try store.publishPEPItem(
          owner: "alice", node: "n", creating: JabberPEPConfiguration(maxItems: nil),
          item: JabberPEPItem(id: "\(number)", payload: payload, published: 1))
      }
    }
    assertThrows(.invalid("the items of jabber user 'alice' would pass 4194304 bytes")) { () throws(StoreError) in
      try store.publishPEPItem(
        owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: JabberPEPItem(id: "x", payload: "b", published: 1))
    }
    try store.publishPEPItem(
      owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: JabberPEPItem(id: "0", payload: "b", published: 1))
  }

  func testLastItemsOfEveryOwnerComeInOneQueryWithoutNeverNodes() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.publishPEPItem(owner: "alice", node: "urn:xmpp:avatar:metadata", creating: JabberPEPConfiguration(), item: item("old"))
    try store.publishPEPItem(
      owner: "alice", node: "urn:xmpp:avatar:metadata", creating: JabberPEPConfiguration(maxItems: 5), item: item("new"))
    try store.publishPEPItem(owner: "bob", node: "urn:xmpp:avatar:metadata", creating: JabberPEPConfiguration(), item: item("b"))
    try store.publishPEPItem(
      owner: "alice", node: "urn:xmpp:bookmarks:1", creating: JabberPEPConfiguration(sendLastPublishedItem: "never"),
      item: item("room"))
    try store.publishPEPItem(owner: "bob", node: "unwanted", creating: JabberPEPConfiguration(), item: item("u"))
    try store.publishPEPItem(owner: "bob", node: "a\"b\\", creating: JabberPEPConfiguration(), item: item("q"))
    let last = try store.lastPEPItems(nodes: ["urn:xmpp:avatar:metadata", "urn:xmpp:bookmarks:1", "a\"b\\", "tab\t"])
    XCTAssertEqual(last.map { "\($0.owner) \($0.node.name) \($0.item.id)" }, [
      "alice urn:xmpp:avatar:metadata new", "bob a\"b\\ q", "bob urn:xmpp:avatar:metadata b",
    ])
  }

  func testRetractPurgeAndDeleteSayWhetherThereWasSomething() throws {
    let store = try storeWithUsers("alice")
    try store.publishPEPItem(owner: "alice", node: "n", creating: JabberPEPConfiguration(maxItems: 5), item: item("1"))
    try store.publishPEPItem(owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: item("2"))
    XCTAssertTrue(try store.retractPEPItem(owner: "alice", node: "n", id: "1"))
    XCTAssertFalse(try store.retractPEPItem(owner: "alice", node: "n", id: "1"))
    XCTAssertTrue(try store.purgePEPNode(owner: "alice", node: "n"))
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "n").count, 0)
    XCTAssertFalse(try store.purgePEPNode(owner: "alice", node: "missing"))
    try store.publishPEPItem(owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: item("3"))
    XCTAssertTrue(try store.deletePEPNode(owner: "alice", node: "n"))
    XCTAssertNil(try store.pepNode(owner: "alice", node: "n"))
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "n").count, 0, "the items went with the node")
    XCTAssertFalse(try store.deletePEPNode(owner: "alice", node: "n"))
  }

  func testRemovingTheAccountRemovesItsNodesItemsAndPrivateXML() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.publishPEPItem(owner: "alice", node: "n", creating: JabberPEPConfiguration(), item: item("1"))
    try store.publishPEPItem(owner: "bob", node: "n", creating: JabberPEPConfiguration(), item: item("1"))
    try store.setPrivateXML(owner: "alice", namespace: "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>")
    try store.removeJabberUser(named: "Alice")
    try store.addJabberUser(JabberUser(name: "alice", password: "new"))
    XCTAssertEqual(try store.pepNodes(owner: "alice").count, 0)
    XCTAssertEqual(try store.pepItems(owner: "alice", node: "n").count, 0)
    XCTAssertNil(try store.privateXML(owner: "alice", namespace: "storage:bookmarks"))
    XCTAssertEqual(try store.pepItems(owner: "bob", node: "n").count, 1)
  }

  func testPrivateXMLIsOneElementPerNamespaceWithinLimits() throws {
    let store = try storeWithUsers("alice")
    try store.setPrivateXML(owner: "alice", namespace: "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>")
    try store.setPrivateXML(owner: "ALICE", namespace: "storage:bookmarks", "<storage xmlns='storage:bookmarks'>2</storage>")
    XCTAssertEqual(
      try store.privateXML(owner: "alice", namespace: "storage:bookmarks"), "<storage xmlns='storage:bookmarks'>2</storage>")
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.setPrivateXML(owner: "carol", namespace: "a", "<a xmlns='a'/>")
    }
    assertThrows(.invalid("private XML 'a' is 65537 bytes, more than 65536")) { () throws(StoreError) in
      try store.setPrivateXML(owner: "alice", namespace: "a", String(repeating: "a", count: 65_537))
    }
    for number in 1..<Store.maximumPrivateElements {
      try store.setPrivateXML(owner: "alice", namespace: "ns\(number)", "<a xmlns='ns\(number)'/>")
    }
    assertThrows(.invalid("jabber user 'alice' keeps 64 private elements, the most allowed")) { () throws(StoreError) in
      try store.setPrivateXML(owner: "alice", namespace: "one more", "<a xmlns='one more'/>")
    }
  }

  func testTheCapsCacheKeepsTheNewestEntries() throws {
    let store = try openStore()
    try store.storeCaps(ver: "v1", features: ["a", "b+notify"], at: 1)
    XCTAssertEqual(try store.capsFeatures(ver: "v1"), ["a", "b+notify"])
    XCTAssertNil(try store.capsFeatures(ver: "v2"))
    try store.transaction { () throws(StoreError) in
      for number in 0..<Store.maximumCapsEntries { try store.storeCaps(ver: "n\(number)", features: ["f"], at: 2) }
    }
    XCTAssertNil(try store.capsFeatures(ver: "v1"), "the oldest went")
    XCTAssertEqual(try store.capsFeatures(ver: "n0"), ["f"])
  }
}
