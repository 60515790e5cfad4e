import XCTest

@testable import XMPP

final class SessionRoutingTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]

  func testRosterListsEveryOtherUserWithSubscriptionBoth() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
    let result = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(result.attribute("type"), "result")
    let items = try XCTUnwrap(result.child("query", namespace: StanzaNamespace.roster)).elements
    XCTAssertEqual(items.map { $0.attribute("jid") }, ["bob@home.lan", "carol@home.lan"])
    XCTAssertEqual(Set(items.map { $0.attribute("subscription") }), ["both"])
    XCTAssertEqual(items.first?.child("group")?.text, "home.lan")
  }

  func testUsersChangedPushesTheAddedAndTheRemovedUser() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.send(alice, "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>")
    _ = network.take(alice)
    network.backend.users.append(SessionAccount(name: "dave", password: "d"))
    network.backend.users.removeAll { $0.name == "carol" }
    // slugctl's one-shot connection: joined, one message, gone.
    network.deliver(alice, .peerJoined(7))
    network.deliver(alice, .peerMessage(7, SessionMeshMessage.usersChanged.bytes))
    network.deliver(alice, .peerLeft(7))
    let pushes = stanzas(network.take(alice))
    XCTAssertEqual(pushes.map { $0.attribute("type") }, ["set", "set"])
    let items = pushes.compactMap { $0.child("query", namespace: StanzaNamespace.roster)?.elements.first }
    XCTAssertEqual(items.map { $0.attribute("jid") }, ["dave@home.lan", "carol@home.lan"])
    XCTAssertEqual(items.map { $0.attribute("subscription") }, ["both", "remove"])
  }

  func testRemovedAccountEndsItsSession() {
    let network = SessionNetwork(users: users)
    let carol = network.login("carol", "c")
    network.backend.users.removeAll { $0.name == "carol" }
    network.deliver(carol, .peerMessage(7, SessionMeshMessage.usersChanged.bytes))
    XCTAssertTrue(network.take(carol).contains("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"))
    XCTAssertTrue(network.clients[carol].closed)
  }

  func testMessageToABareJIDReachesTheHighestPriorityResourceWithTheSendersFullJID() throws {
    let network = SessionNetwork(users: users)
    let bobLow = network.login("bob", "b", resource: "phone", available: "<presence><priority>1</priority></presence>")
    let bobHigh = network.login("bob", "b", resource: "desk", available: "<presence><priority>5</priority></presence>")
    let alice = network.login("alice", "a")
    for client in [bobLow, bobHigh, alice] { _ = network.take(client) }
    network.send(
      alice,
      "<message to='bob@home.lan' type='chat' id='m1' from='mallory@home.lan'><body>hi &amp; bye</body></message>")
    XCTAssertEqual(network.take(bobLow), "")
    let message = try XCTUnwrap(stanzas(network.take(bobHigh)).first)
    XCTAssertEqual(message.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(message.attribute("to"), "bob@home.lan")
    XCTAssertEqual(message.child("body")?.text, "hi & bye")
    XCTAssertEqual(network.take(alice), "")
  }

  func testMessageToAFullJIDReachesThatResourceEvenAtLowerPriority() throws {
    let network = SessionNetwork(users: users)
    let bobLow = network.login("bob", "b", resource: "phone", available: "<presence><priority>1</priority></presence>")
    let bobHigh = network.login("bob", "b", resource: "desk", available: "<presence><priority>5</priority></presence>")
    let alice = network.login("alice", "a")
    for client in [bobLow, bobHigh, alice] { _ = network.take(client) }
    network.send(alice, "<message to='bob@home.lan/phone' type='chat'><body>you there?</body></message>")
    XCTAssertEqual(stanzas(network.take(bobLow)).first?.child("body")?.text, "you there?")
    XCTAssertEqual(network.take(bobHigh), "")
  }

  func testChatStatesAreRelayedToOnlineUsers() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    _ = network.take(bob)
    network.send(
      alice, "<message to='bob@home.lan' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")
    let state = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertNotNil(state.child("composing", namespace: "http://jabber.org/protocol/chatstates"))
  }

  func testMessageToAnOfflineUserIsStoredAndDeliveredWithADelayAtTheirNextLogin() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<message to='carol@home.lan' type='chat' id='o1'><body>call me</body></message>")
    network.send(
      alice,
      "<message to='carol@home.lan' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>")
    XCTAssertEqual(network.take(alice), "")
    XCTAssertEqual(network.backend.offline.count, 1, "a chat state alone is not kept")
    let storedAt = network.now / 1000
    network.now += 3_600_000
    let carol = network.login("carol", "c", available: nil)
    XCTAssertFalse(network.take(carol).contains("call me"), "offline messages wait for initial presence")
    network.send(carol, "<presence/>")
    let delivered = stanzas(network.take(carol)).filter { $0.name == "message" }
    let message = try XCTUnwrap(delivered.first)
    XCTAssertEqual(delivered.count, 1)
    XCTAssertEqual(message.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(message.attribute("to"), "carol@home.lan")
    XCTAssertEqual(message.child("body")?.text, "call me")
    let delay = try XCTUnwrap(message.child("delay", namespace: StanzaNamespace.delay))
    XCTAssertEqual(delay.attribute("stamp"), StanzaText.timestamp(storedAt))
    XCTAssertEqual(delay.attribute("stamp"), "2025-11-28T00:00:00Z")
    XCTAssertTrue(network.backend.offline.isEmpty, "deleted once written")
  }

  func testMessageToAUserWithNoKnownSessionWaitsForAnOutstandingHello() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    // A process joined (carol's, just logged in); its hello is not read yet.
    network.deliver(alice, .peerJoined(900))
    network.send(alice, "<message to='carol@home.lan' type='chat'><body>welcome</body></message>")
    XCTAssertTrue(network.backend.offline.isEmpty, "held, not stored")
    let hello = SessionMeshHello(user: "carol", resource: "phone", since: 1, token: 1, priority: 0, presence: "<presence/>")
    network.deliver(alice, .peerMessage(900, SessionMeshMessage.hello(hello).bytes))
    XCTAssertTrue(network.backend.offline.isEmpty)
    let sent = network.strayMeshSends.filter { $0.peer == 900 }.compactMap(\.message)
    guard case .stanza(let xml) = try XCTUnwrap(sent.last) else { return XCTFail("\(sent)") }
    XCTAssertTrue(xml.contains("<body>welcome</body>"), xml)

    // The same with a connection that goes without a hello: the message is stored.
    network.deliver(alice, .peerJoined(901))
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>later</body></message>")
    XCTAssertTrue(network.backend.offline.isEmpty)
    network.deliver(alice, .peerLeft(901))
    XCTAssertEqual(network.backend.offline.map(\.user), ["bob"])
  }

  func testMessageTooBigForTheMeshBouncesInsteadOfVanishing() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    _ = network.take(bob)
    _ = network.take(alice)
    // 100 KB in, 400 KB escaped out: more than one mesh message holds.
    let body = String(repeating: ">", count: 100_000)
    network.send(alice, "<message to='bob@home.lan' id='big' type='chat'><body>\(body)</body></message>")
    XCTAssertEqual(network.take(bob), "")
    let error = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(error.attribute("id"), "big")
    XCTAssertNotNil(error.child("error")?.child("resource-constraint"))
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>\(body.prefix(1000))</body></message>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("body")?.text.count, 1000)
  }

  func testFullOfflineQueueGivesTheSenderResourceConstraint() throws {
    let network = SessionNetwork(users: users)
    network.backend.offlineLimit = 1
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<message to='carol@home.lan' id='1'><body>one</body></message>")
    network.send(alice, "<message to='carol@home.lan' id='2'><body>two</body></message>")
    let error = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(error.attribute("type"), "error")
    XCTAssertEqual(error.attribute("id"), "2")
    XCTAssertNotNil(error.child("error")?.child("resource-constraint", namespace: StanzaNamespace.stanzaErrors))
  }

  func testMessageToAnUnknownUserOrDomainBounces() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<message to='zed@home.lan' id='z'><body>?</body></message>")
    network.send(alice, "<message to='bob@elsewhere.org' id='e'><body>?</body></message>")
    let errors = stanzas(network.take(alice))
    XCTAssertEqual(errors.map { $0.attribute("id") }, ["z", "e"])
    XCTAssertNotNil(errors[0].child("error")?.child("service-unavailable"))
    XCTAssertNotNil(errors[1].child("error")?.child("remote-server-not-found"))
  }

  func testServerAnswersDiscoVersionPingPrivacyBlockingAndRefusesTheRest() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    let requests = [
      "<iq type='get' id='1' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
      "<iq type='get' id='2' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>",
      "<iq type='get' id='3' to='home.lan'><query xmlns='jabber:iq:version'/></iq>",
      "<iq type='get' id='4' to='home.lan'><ping xmlns='urn:xmpp:ping'/></iq>",
      "<iq type='get' id='5'><query xmlns='jabber:iq:privacy'/></iq>",
      "<iq type='get' id='6'><blocklist xmlns='urn:xmpp:blocking'/></iq>",
      "<iq type='set' id='7'><block xmlns='urn:xmpp:blocking'><item jid='bob@home.lan'/></block></iq>",
      "<iq type='get' id='8'><query xmlns='jabber:iq:last'/></iq>",
      "<iq type='set' id='9'><query xmlns='jabber:iq:register'/></iq>",
    ]
    for request in requests { network.send(alice, request) }
    // The block's push to the client itself (XEP-0191 §3.3) is SessionBlockingTests' concern.
    let replies = stanzas(network.take(alice)).filter { $0.attribute("type") != "set" }
    XCTAssertEqual(replies.map { $0.attribute("id") }, ["1", "2", "3", "4", "5", "6", "7", "8", "9"])
    XCTAssertEqual(replies.map { $0.attribute("type") }, Array(repeating: "result", count: 7) + ["error", "error"])
    let features = replies[0].child("query")?.elements.filter { $0.name == "feature" }.map { $0.attribute("var") } ?? []
    XCTAssertTrue(features.contains("urn:xmpp:ping"))
    XCTAssertEqual(replies[0].attribute("from"), "home.lan")
    XCTAssertEqual(replies[2].child("query")?.child("name")?.text, "slug in.jabberd")
    XCTAssertNotNil(replies[7].child("error")?.child("service-unavailable"))
  }

  func testVCardIsStoredForItsOwnerAndReadByOthers() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    _ = network.take(alice)
    _ = network.take(bob)
    network.send(alice, "<iq type='get' id='v0'><vCard xmlns='vcard-temp'/></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.child("vCard")?.elements, [])
    network.send(alice, "<iq type='set' id='v1'><vCard xmlns='vcard-temp'><FN>Alice &lt;A&gt;</FN></vCard></iq>")
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "result")
    network.send(bob, "<iq type='get' id='v2' to='alice@home.lan'><vCard xmlns='vcard-temp'/></iq>")
    let reply = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(reply.attribute("from"), "alice@home.lan")
    XCTAssertEqual(reply.child("vCard", namespace: "vcard-temp")?.child("FN")?.text, "Alice <A>")
    network.send(bob, "<iq type='set' id='v3' to='alice@home.lan'><vCard xmlns='vcard-temp'/></iq>")
    XCTAssertNotNil(stanzas(network.take(bob)).first?.child("error")?.child("forbidden"))
  }

  func testIQToAnotherFullJIDIsRelayedAndItsResultComesBack() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b", resource: "desk")
    _ = network.take(alice)
    _ = network.take(bob)
    network.send(alice, "<iq type='get' id='t1' to='bob@home.lan/desk'><time xmlns='urn:xmpp:time'/></iq>")
    let request = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(request.attribute("from"), "alice@home.lan/laptop")
    network.send(bob, "<iq type='result' id='t1' to='alice@home.lan/laptop'><time xmlns='urn:xmpp:time'/></iq>")
    let result = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(result.attribute("from"), "bob@home.lan/desk")
    XCTAssertEqual(result.attribute("id"), "t1")
    network.send(alice, "<iq type='get' id='t2' to='bob@home.lan/gone'><time xmlns='urn:xmpp:time'/></iq>")
    XCTAssertNotNil(stanzas(network.take(alice)).first?.child("error")?.child("service-unavailable"))
  }
}
