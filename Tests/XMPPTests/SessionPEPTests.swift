import XCTest

@testable import XMPP

/// PEP (XEP-0163) over XEP-0060 with publish-options, notifications across the mesh filtered by
/// each client's entity capabilities (XEP-0115), last items at login, and XEP-0049.
final class SessionPEPTests: XCTestCase {
  static let deviceList = "eu.siacs.conversations.axolotl.devicelist"
  static let bookmarks = "urn:xmpp:bookmarks:1"
  static let metadata = "urn:xmpp:avatar:metadata"

  /// A client's disco#info as its caps describe it: `+notify` for each of `interests`.
  static func discoInfo(_ interests: [String], name: String = "test client") -> String {
    "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc' name='\(name)'/>"
      + "<feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/caps'/>"
      + interests.map { "<feature var='\($0)+notify'/>" }.joined() + "</query>"
  }

  static func ver(_ interests: [String], name: String = "test client") -> String {
    EntityCaps.ver(of: stanzas(discoInfo(interests, name: name))[0])
  }

  /// Logs in and sends presence with caps for `interests`; answers the server's disco#info
  /// query if one comes. Returns the client and whether it was asked.
  @discardableResult
  func login(
    _ network: SessionNetwork, _ user: String, resource: String = "laptop", interests: [String], ver: String? = nil
  ) -> (index: Int, asked: Bool) {
    let index = network.login(user, user.prefix(1).description, resource: resource, available: nil)
    _ = network.take(index)
    let announced = ver ?? Self.ver(interests)
    network.send(
      index,
      "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://slixmpp.com/' ver='\(announced)'/></presence>"
    )
    let query = stanzas(network.take(index)).first { $0.name == "iq" && $0.attribute("type") == "get" }
    guard let query else { return (index, false) }
    XCTAssertEqual(query.child("query")?.attribute("node"), "https://slixmpp.com/#\(announced)")
    network.send(
      index,
      "<iq type='result' id='\(query.attribute("id") ?? "")' to='home.lan'>" + Self.discoInfo(interests) + "</iq>")
    return (index, true)
  }

  static func publish(_ node: String, id: String? = "current", payload: String, options: [String: String] = [:]) -> String {
    let form =
      options.isEmpty
      ? ""
      : "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>"
        + "http://jabber.org/protocol/pubsub#publish-options</value></field>"
        + options.sorted { $0.key < $1.key }.map { "<field var='pubsub#\($0.key)'><value>\($0.value)</value></field>" }
        .joined() + "</x></publish-options>"
    return "<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='\(node)'><item"
      + (id.map { " id='\($0)'" } ?? "") + ">\(payload)</item></publish>\(form)</pubsub></iq>"
  }

  static let devices = "<list xmlns='eu.siacs.conversations.axolotl'><device id='1234'/></list>"

  func network() -> SessionNetwork {
    SessionNetwork(users: [("alice", "a"), ("bob", "b"), ("carol", "c")])
  }

  func testVerificationStringsAreThoseOfXEP0115Examples() {
    let simple = stanzas(
      "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' name='Exodus 0.9.1' type='pc'/>"
        + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
        + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>")
    XCTAssertEqual(EntityCaps.ver(of: simple[0]), "QgayPKawpkPSDYmwT/WM94uAlu0=")
    let complex = stanzas(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
        + "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
        + "<identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>"
        + "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
        + "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>"
        + "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'>"
        + "<value>urn:xmpp:dataforms:softwareinfo</value></field><field var='ip_version'><value>ipv4</value>"
        + "<value>ipv6</value></field><field var='os'><value>Mac</value></field><field var='os_version'>"
        + "<value>10.5.1</value></field><field var='software'><value>Psi</value></field>"
        + "<field var='software_version'><value>0.11</value></field></x></query>")
    XCTAssertEqual(EntityCaps.ver(of: complex[0]), "q07IKJEyjvHSyhy//CH0CxmKi8w=")
  }

  func testPublishWithOptionsCreatesTheNodeAndNotifiesOnlyTheClientsThatWantIt() throws {
    let network = network()
    let alice = login(network, "alice", interests: [Self.deviceList]).index
    let bob = login(network, "bob", interests: [Self.deviceList]).index
    let carol = login(network, "carol", interests: [Self.metadata]).index
    for client in [alice, bob, carol] { _ = network.take(client) }
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices, options: ["access_model": "open"]))
    let replies = stanzas(network.take(alice))
    let result = try XCTUnwrap(replies.first { $0.name == "iq" })
    XCTAssertEqual(result.attribute("type"), "result")
    XCTAssertEqual(result.child("pubsub")?.child("publish")?.child("item")?.attribute("id"), "current")
    XCTAssertEqual(replies.filter { $0.name == "message" }.count, 1, "the publisher's client wants it too")
    let event = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(event.name, "message")
    XCTAssertEqual(event.attribute("type"), "headline")
    XCTAssertEqual(event.attribute("from"), "alice@home.lan")
    let items = try XCTUnwrap(event.child("event", namespace: PubSubNamespace.event)?.child("items"))
    XCTAssertEqual(items.attribute("node"), Self.deviceList)
    XCTAssertEqual(items.child("item")?.child("list")?.child("device")?.attribute("id"), "1234")
    XCTAssertEqual(network.take(carol), "", "carol did not ask for device lists")
    network.send(bob, "<presence type='unavailable'/>")
    _ = network.take(bob)
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices))
    XCTAssertFalse(network.take(bob).contains("headline"), "bob is not available")
    XCTAssertEqual(network.backend.pepNode(owner: "alice", node: Self.deviceList)?.configuration.accessModel, .open)
  }

  func testPublishOptionsThatContradictAnExistingNodeArePreconditionNotMet() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let bookmark = "<conference xmlns='urn:xmpp:bookmarks:1' autojoin='true' name='Everyone'/>"
    let options = [
      "persist_items": "true", "max_items": "max", "send_last_published_item": "never", "access_model": "whitelist",
    ]
    network.send(alice, Self.publish(Self.bookmarks, id: "all@rooms.home.lan", payload: bookmark, options: options))
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    network.send(alice, Self.publish(Self.bookmarks, id: "two@rooms.home.lan", payload: bookmark, options: options))
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result", "same options: accepted")
    var open = options
    open["access_model"] = "open"
    network.send(alice, Self.publish(Self.bookmarks, id: "three@rooms.home.lan", payload: bookmark, options: open))
    let refused = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(refused.attribute("type"), "error")
    let error = try XCTUnwrap(refused.child("error"))
    XCTAssertNotNil(error.child("conflict", namespace: StanzaNamespace.stanzaErrors))
    XCTAssertNotNil(error.child("precondition-not-met", namespace: PubSubNamespace.errors))
    let node = try XCTUnwrap(network.backend.pepNode(owner: "alice", node: Self.bookmarks))
    XCTAssertEqual(node.configuration, PEPConfiguration(accessModel: .whitelist, maxItems: nil, sendLastPublishedItem: "never"))
    XCTAssertEqual(network.backend.pepItems(owner: "alice", node: Self.bookmarks, limit: nil, ids: []).count, 2)
  }

  func testAWhitelistNodeIsTheOwnersAloneToReadAndToBeNotifiedOf() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let phone = login(network, "alice", resource: "phone", interests: [Self.bookmarks]).index
    let bob = login(network, "bob", interests: [Self.bookmarks]).index
    for client in [alice, phone, bob] { _ = network.take(client) }
    network.send(
      alice,
      Self.publish(Self.bookmarks, id: "x@rooms", payload: "<conference xmlns='urn:xmpp:bookmarks:1'/>",
        options: ["access_model": "whitelist"]))
    XCTAssertEqual(stanzas(network.take(phone)).first?.attribute("from"), "alice@home.lan", "the owner's other resource")
    XCTAssertEqual(network.take(bob), "", "no notification for another user")
    network.send(
      bob,
      "<iq type='get' id='peek' to='alice@home.lan'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='\(Self.bookmarks)'/></pubsub></iq>"
    )
    let refused = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(refused.attribute("type"), "error")
    XCTAssertNotNil(refused.child("error")?.child("not-allowed", namespace: StanzaNamespace.stanzaErrors))
    XCTAssertNotNil(refused.child("error")?.child("closed-node", namespace: PubSubNamespace.errors))
    XCTAssertFalse(network.clients[bob].output.contains("x@rooms"))
    network.send(
      bob, "<iq type='get' id='list' to='alice@home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("query")?.elements.count, 0, "the node is not listed")
  }

  func testItemsAreRetrievedAllTheNewestOrByIDAndMaxItemsKeepsTheNewest() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let bob = login(network, "bob", interests: []).index
    for number in 1...4 {
      network.send(
        alice,
        Self.publish("urn:xmpp:omemo:2:bundles", id: "\(number)", payload: "<bundle xmlns='urn:xmpp:omemo:2'>\(number)</bundle>",
          options: ["max_items": "3"]))
    }
    _ = network.take(alice)
    func get(_ request: String) -> [String] {
      network.send(
        bob,
        "<iq type='get' id='g' to='alice@home.lan'><pubsub xmlns='http://jabber.org/protocol/pubsub'>\(request)</pubsub></iq>")
      let reply = stanzas(network.take(bob)).first
      return reply?.child("pubsub")?.child("items")?.elements.compactMap { $0.attribute("id") } ?? ["error"]
    }
    XCTAssertEqual(get("<items node='urn:xmpp:omemo:2:bundles'/>"), ["2", "3", "4"], "max_items 3 kept the newest")
    XCTAssertEqual(get("<items node='urn:xmpp:omemo:2:bundles' max_items='2'/>"), ["3", "4"])
    XCTAssertEqual(get("<items node='urn:xmpp:omemo:2:bundles'><item id='2'/></items>"), ["2"])
    XCTAssertEqual(get("<items node='urn:xmpp:omemo:2:missing'/>"), ["error"])
  }

  func testAClientComingOnlineGetsTheLastItemOfAnOfflineOwnerInOneQuery() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let metadata = "<metadata xmlns='urn:xmpp:avatar:metadata'><info id='abc' bytes='10' type='image/png'/></metadata>"
    network.send(alice, Self.publish(Self.metadata, id: "abc", payload: metadata, options: ["access_model": "open"]))
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices))
    network.send(alice, "</stream:stream>")
    let queries = network.backend.pubSub.lastItemsQueries
    let bob = login(network, "bob", interests: [Self.metadata, Self.deviceList]).index
    let events = stanzas(network.take(bob)).filter { $0.name == "message" }
    XCTAssertEqual(
      events.compactMap { $0.child("event")?.child("items")?.attribute("node") }.sorted(), [Self.metadata, Self.deviceList].sorted())
    XCTAssertEqual(events.first?.attribute("from"), "alice@home.lan")
    XCTAssertEqual(network.backend.pubSub.lastItemsQueries, queries + 1, "one query for every owner and node")
    network.send(bob, "<presence><show>away</show></presence>")
    XCTAssertTrue(stanzas(network.take(bob)).allSatisfy { $0.name != "message" }, "sent once while available")
  }

  func testAVerifiedVerIsCachedForEveryProcessAndAWrongOneIsNot() {
    let network = network()
    XCTAssertTrue(login(network, "alice", interests: [Self.deviceList]).asked)
    XCTAssertEqual(network.backend.pubSub.caps[Self.ver([Self.deviceList])]?.contains(Self.deviceList + "+notify"), true)
    XCTAssertFalse(login(network, "bob", interests: [Self.deviceList]).asked, "known from the cache")
    XCTAssertTrue(login(network, "carol", interests: [Self.metadata], ver: "forged=").asked)
    XCTAssertNil(network.backend.pubSub.caps["forged="], "a ver that does not verify is not cached")
  }

  func testRetractPurgeAndDeleteAreNotifiedAndOnlyTheOwnerMayDoThem() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let bob = login(network, "bob", interests: [Self.deviceList]).index
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices))
    _ = network.take(alice)
    _ = network.take(bob)
    let retract =
      "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='\(Self.deviceList)' notify='true'><item id='current'/></retract></pubsub></iq>"
    network.send(bob, retract.replacingOccurrences(of: "type='set'", with: "type='set' to='alice@home.lan'"))
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("error")?.child("forbidden"))
    network.send(alice, retract)
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("event")?.child("items")?.child("retract")?.attribute("id"), "current")
    network.send(alice, retract)
    XCTAssertNotNil(stanzas(network.take(alice)).first?.child("error")?.child("item-not-found"))
    let owner = "<iq type='set' id='o'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>"
    network.send(alice, owner + "<purge node='\(Self.deviceList)'/></pubsub></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("event")?.child("purge"))
    network.send(alice, owner + "<delete node='\(Self.deviceList)'/></pubsub></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("event")?.child("delete"))
    XCTAssertNil(network.backend.pepNode(owner: "alice", node: Self.deviceList))
  }

  func testNodeConfigurationIsReadAndChangedByTheOwner() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    network.send(alice, Self.publish(Self.metadata, payload: "<metadata xmlns='urn:xmpp:avatar:metadata'/>"))
    _ = network.take(alice)
    network.send(
      alice,
      "<iq type='get' id='c'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='\(Self.metadata)'/></pubsub></iq>")
    let form = try XCTUnwrap(stanzas(network.take(alice)).first?.child("pubsub")?.child("configure")?.child("x"))
    let access = form.elements.first { $0.attribute("var") == "pubsub#access_model" }
    XCTAssertEqual(access?.child("value")?.text, "presence", "the default")
    network.send(
      alice,
      "<iq type='set' id='s'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='\(Self.metadata)'>"
        + "<x xmlns='jabber:x:data' type='submit'><field var='pubsub#access_model'><value>open</value></field>"
        + "<field var='pubsub#max_items'><value>5</value></field></x></configure></pubsub></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    let configuration = network.backend.pepNode(owner: "alice", node: Self.metadata)?.configuration
    XCTAssertEqual(configuration?.accessModel, .open)
    XCTAssertEqual(configuration?.maxItems, 5)
    network.send(
      alice,
      "<iq type='set' id='s'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><configure node='\(Self.metadata)'>"
        + "<x xmlns='jabber:x:data' type='submit'><field var='pubsub#access_model'><value>authorize</value></field>"
        + "</x></configure></pubsub></iq>")
    XCTAssertNotNil(stanzas(network.take(alice)).first?.child("error")?.child("not-acceptable"))
  }

  func testDiscoOnTheBareJIDAdvertisesPEPWithPublishOptions() throws {
    let network = network()
    let bob = login(network, "bob", interests: []).index
    network.send(bob, "<iq type='get' id='d' to='alice@home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let query = try XCTUnwrap(stanzas(network.take(bob)).first?.child("query"))
    XCTAssertTrue(query.elements.contains { $0.attribute("category") == "pubsub" && $0.attribute("type") == "pep" })
    let features = query.elements.compactMap { $0.attribute("var") }
    for wanted in ["publish", "publish-options", "auto-create", "retrieve-items", "access-whitelist", "last-published"] {
      XCTAssertTrue(features.contains("http://jabber.org/protocol/pubsub#" + wanted), wanted)
    }
  }

  func testTooBigAPayloadAndAMissingItemAreRefusedWithPubSubErrors() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let big = "<data xmlns='urn:xmpp:avatar:data'>" + String(repeating: "A", count: 140_000) + "</data>"
    network.send(alice, Self.publish("urn:xmpp:avatar:data", payload: big))
    let refused = try XCTUnwrap(stanzas(network.take(alice)).first?.child("error"))
    XCTAssertNotNil(refused.child("not-acceptable"))
    XCTAssertNotNil(refused.child("payload-too-big", namespace: PubSubNamespace.errors))
    network.send(
      alice,
      "<iq type='set' id='e'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'/></pubsub></iq>")
    XCTAssertNotNil(stanzas(network.take(alice)).first?.child("error")?.child("item-required", namespace: PubSubNamespace.errors))
    network.backend.pubSub.maximumNodes = 1
    network.send(alice, Self.publish("one", payload: "<x xmlns='urn:test'/>"))
    network.send(alice, Self.publish("two", payload: "<x xmlns='urn:test'/>"))
    let replies = stanzas(network.take(alice))
    XCTAssertEqual(replies.first?.attribute("type"), "result")
    XCTAssertNotNil(replies.last?.child("error")?.child("resource-constraint"), "the store's limit of nodes")
  }

  func testAnItemWithoutAnIDGetsOne() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    network.send(alice, Self.publish("urn:xmpp:avatar:metadata", id: nil, payload: "<metadata xmlns='urn:xmpp:avatar:metadata'/>"))
    let id = stanzas(network.take(alice)).first?.child("pubsub")?.child("publish")?.child("item")?.attribute("id")
    XCTAssertEqual(id?.isEmpty, false)
    XCTAssertEqual(network.backend.pepItems(owner: "alice", node: Self.metadata, limit: nil, ids: []).map { $0.id }, [id])
  }

  func testAPEPMessageFromAnotherUsersProcessIsIgnored() {
    let network = network()
    let bob = login(network, "bob", interests: [Self.deviceList]).index
    let mallory = login(network, "carol", interests: []).index
    _ = network.take(bob)
    let link = network.links.first { $0.a == mallory || $0.b == mallory }!
    let peerInBob = link.a == bob ? link.peerInA : link.peerInB
    let forged = SessionMeshMessage.pep(owner: "alice", node: Self.deviceList, xml: "<event xmlns='x'/>").bytes
    network.deliver(bob, .peerMessage(peerInBob, forged))
    XCTAssertEqual(network.take(bob), "")
    XCTAssertEqual(SessionMeshMessage(forged), .pep(owner: "alice", node: Self.deviceList, xml: "<event xmlns='x'/>"))
  }

  func testPrivateXMLIsKeptPerNamespaceAndOnlyForItsOwner() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let bob = login(network, "bob", interests: []).index
    _ = network.take(alice)
    network.send(
      alice,
      "<iq type='set' id='p'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'><conference jid='all@rooms' autojoin='true'/></storage></query></iq>"
    )
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    network.send(alice, "<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>")
    let kept = stanzas(network.take(alice)).first?.child("query")?.child("storage", namespace: "storage:bookmarks")
    XCTAssertEqual(kept?.child("conference")?.attribute("jid"), "all@rooms")
    network.send(alice, "<iq type='get' id='g'><query xmlns='jabber:iq:private'><prefs xmlns='urn:other'/></query></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.child("query")?.child("prefs")?.elements.count, 0)
    network.send(alice, "<iq type='set' id='j'><query xmlns='jabber:iq:private'><query xmlns='jabber:iq:roster'/></query></iq>")
    XCTAssertNotNil(stanzas(network.take(alice)).first?.child("error")?.child("not-acceptable"))
    network.send(
      bob, "<iq type='get' id='g' to='alice@home.lan'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>")
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("error")?.child("forbidden"))
  }

  func testXEP0048BookmarksInPrivateXMLAreMirroredWithTheXEP0402Node() throws {
    let network = network()
    let old = login(network, "alice", interests: []).index
    let new = login(network, "alice", resource: "phone", interests: [Self.bookmarks]).index
    for client in [old, new] { _ = network.take(client) }
    network.send(
      old,
      "<iq type='set' id='p'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
        + "<conference jid='all@rooms.home.lan' name='All' autojoin='true'><nick>al</nick></conference>"
        + "<url name='Home' url='http://home.lan/'/></storage></query></iq>")
    XCTAssertEqual(stanzas(network.take(old)).first?.attribute("type"), "result")
    let pushed = try XCTUnwrap(stanzas(network.take(new)).first?.child("event")?.child("items")?.child("item"))
    XCTAssertEqual(pushed.attribute("id"), "all@rooms.home.lan")
    XCTAssertEqual(pushed.child("conference", namespace: Self.bookmarks)?.child("nick")?.text, "al")
    XCTAssertEqual(network.backend.pepNode(owner: "alice", node: Self.bookmarks)?.configuration.accessModel, .whitelist)
    network.send(
      new,
      Self.publish(Self.bookmarks, id: "two@rooms.home.lan", payload: "<conference xmlns='urn:xmpp:bookmarks:1' name='Two'/>"))
    _ = network.take(new)
    network.send(old, "<iq type='get' id='g'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>")
    let storage = try XCTUnwrap(stanzas(network.take(old)).first?.child("query")?.child("storage"))
    XCTAssertEqual(
      storage.elements.filter { $0.name == "conference" }.compactMap { $0.attribute("jid") },
      ["all@rooms.home.lan", "two@rooms.home.lan"])
    XCTAssertEqual(storage.child("url")?.attribute("url"), "http://home.lan/", "the URL kept in private XML")
    network.send(
      old,
      "<iq type='set' id='p'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'>"
        + "<conference jid='two@rooms.home.lan' name='Two'/></storage></query></iq>")
    _ = network.take(old)
    let retracted = stanzas(network.take(new)).compactMap { $0.child("event")?.child("items")?.child("retract") }
    XCTAssertEqual(retracted.map { $0.attribute("id") }, ["all@rooms.home.lan"])
    XCTAssertEqual(
      network.backend.pepItems(owner: "alice", node: Self.bookmarks, limit: nil, ids: []).map { $0.id }, ["two@rooms.home.lan"])
  }

  func testLastItemsSentToALaterClientCarryTheirPublishTimeAsADelayAndLiveOnesNone() throws {
    let network = network()
    let alice = login(network, "alice", interests: [Self.deviceList]).index
    network.now = 1_764_288_000_000  // 2025-11-28T00:00:00Z
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices))
    let live = try XCTUnwrap(stanzas(network.take(alice)).first { $0.name == "message" })
    XCTAssertNil(live.child("delay", namespace: StanzaNamespace.delay), "a notification of now is not delayed")
    network.now += 3_600_000
    // Other interests than alice's, so the caps query keeps the last items for our take.
    let later = login(network, "carol", interests: [Self.deviceList, Self.metadata]).index
    let last = try XCTUnwrap(stanzas(network.take(later)).first { $0.name == "message" })
    let delay = try XCTUnwrap(last.child("delay", namespace: StanzaNamespace.delay), "XEP-0203 on a last item")
    XCTAssertEqual(delay.attribute("stamp"), "2025-11-28T00:00:00.000Z")
    XCTAssertEqual(delay.attribute("from"), "alice@home.lan")
  }

  func testDiscoOfANodeAnswersItsLeafIdentityMetaDataAndItemsAndHidesAWhitelistNode() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    network.send(alice, Self.publish(Self.deviceList, payload: Self.devices, options: ["access_model": "open"]))
    network.send(alice, Self.publish("secret", payload: "<x xmlns='urn:test'/>", options: ["access_model": "whitelist"]))
    _ = network.take(alice)
    let bob = login(network, "bob", interests: []).index
    func disco(_ kind: String, _ node: String) -> XMLElement? {
      network.send(
        bob,
        "<iq type='get' id='n' to='alice@home.lan'><query xmlns='http://jabber.org/protocol/disco#\(kind)' node='\(node)'/></iq>")
      return stanzas(network.take(bob)).first
    }
    let info = try XCTUnwrap(disco("info", Self.deviceList)?.child("query"))
    XCTAssertEqual(info.attribute("node"), Self.deviceList)
    XCTAssertTrue(info.elements.contains { $0.name == "identity" && $0.attribute("category") == "pubsub" && $0.attribute("type") == "leaf" })
    XCTAssertTrue(info.elements.contains { $0.attribute("var") == PubSubNamespace.pubsub })
    let fields = info.child("x")?.elements.filter { $0.name == "field" } ?? []
    XCTAssertEqual(fields.first { $0.attribute("var") == "FORM_TYPE" }?.child("value")?.text, PubSubNamespace.pubsub + "#meta-data")
    XCTAssertEqual(fields.first { $0.attribute("var") == "pubsub#access_model" }?.child("value")?.text, "open")
    XCTAssertEqual(fields.first { $0.attribute("var") == "pubsub#owner" }?.child("value")?.text, "alice@home.lan")
    let items = try XCTUnwrap(disco("items", Self.deviceList)?.child("query"))
    XCTAssertEqual(items.elements.map { $0.attribute("name") }, ["current"])
    XCTAssertEqual(items.elements.first?.attribute("jid"), "alice@home.lan")
    XCTAssertNotNil(disco("info", "secret")?.child("error")?.child("item-not-found"), "a whitelist node is not shown")
    XCTAssertNotNil(disco("info", "missing")?.child("error")?.child("item-not-found"))
  }

  func testATransientNodeNotifiesAndKeepsNothing() throws {
    let network = network()
    let alice = login(network, "alice", interests: []).index
    let bob = login(network, "bob", interests: ["urn:xmpp:mood"]).index
    network.send(alice, Self.publish("urn:xmpp:mood", payload: "<mood xmlns='http://jabber.org/protocol/mood'><happy/></mood>", options: ["persist_items": "false"]))
    _ = network.take(alice)
    XCTAssertEqual(stanzas(network.take(bob)).filter { $0.name == "message" }.count, 1, "the notification goes out")
    XCTAssertEqual(network.backend.pepItems(owner: "alice", node: "urn:xmpp:mood", limit: nil, ids: []), [])
    let carol = login(network, "carol", interests: ["urn:xmpp:mood"]).index
    XCTAssertTrue(stanzas(network.take(carol)).allSatisfy { $0.name != "message" }, "nothing is left to send later")
  }
}
