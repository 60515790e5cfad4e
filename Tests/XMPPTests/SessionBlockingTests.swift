import XCTest

@testable import XMPP

/// XEP-0191: a user's block list stops what the blocked address sends, in whichever process
/// carries it, and refuses what the user sends to it.
final class SessionBlockingTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]

  static func block(_ jids: [String], _ change: String = "block") -> String {
    "<iq type='set' id='b1'><" + change + " xmlns='urn:xmpp:blocking'>" + jids.map { "<item jid='\($0)'/>" }.joined()
      + "</" + change + "></iq>"
  }

  func testABlockedContactsMessagesIQsAndPresenceAreStoppedAndHisMessageIsAnswered() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    for client in [alice, bob, carol] { _ = network.take(client) }
    network.send(alice, Self.block(["Bob@home.lan"]))
    let answers = stanzas(network.take(alice))
    XCTAssertEqual(answers.first?.attribute("type"), "result")
    let push = try XCTUnwrap(answers.first { $0.attribute("type") == "set" }, "§3.3: the push to the blocker too")
    XCTAssertEqual(push.child("block", namespace: StanzaNamespace.blocking)?.child("item")?.attribute("jid"), "bob@home.lan")
    let gone = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(gone.name, "presence")
    XCTAssertEqual(gone.attribute("type"), "unavailable", "bob sees alice go")
    XCTAssertEqual(gone.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(network.take(carol), "", "carol is not told anything")

    network.send(bob, "<message to='alice@home.lan' type='chat' id='m1'><body>hello?</body></message>")
    network.send(bob, "<iq to='alice@home.lan/laptop' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>")
    network.send(bob, "<presence><show>away</show></presence>")
    XCTAssertEqual(network.take(alice), "", "nothing of bob reaches alice")
    let errors = stanzas(network.take(bob)).filter { $0.attribute("type") == "error" }
    XCTAssertEqual(errors.map { $0.attribute("id") }, ["m1", "v1"])
    XCTAssertEqual(errors.compactMap { $0.child("error")?.elements.first?.name }, ["service-unavailable", "service-unavailable"])
    network.send(carol, "<message to='alice@home.lan' type='chat'><body>still here</body></message>")
    XCTAssertTrue(network.take(alice).contains("still here"), "others still reach her")

    network.send(alice, "<message to='bob@home.lan/laptop' type='chat' id='m2'><body>psst</body></message>")
    let refused = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(refused.attribute("type"), "error")
    XCTAssertNotNil(refused.child("error")?.child("not-acceptable"))
    XCTAssertNotNil(refused.child("error")?.child("blocked", namespace: "urn:xmpp:blocking:errors"), "§3.6")
    XCTAssertEqual(network.take(bob), "")
    network.send(alice, "<presence><show>dnd</show></presence>")
    XCTAssertEqual(network.take(bob), "", "bob is not told of alice's presence any more")
    XCTAssertTrue(network.take(carol).contains("dnd"))
  }

  func testABlockedContactLoggingInLaterEndsSeeingUsUnavailable() throws {
    let network = SessionNetwork(users: users)
    network.backend.blocks["alice"] = ["bob@home.lan"]
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    let bob = network.login("bob", "b")
    let fromAlice = stanzas(network.take(bob)).filter { $0.name == "presence" && $0.attribute("from") == "alice@home.lan/laptop" }
    XCTAssertTrue(fromAlice.isEmpty || fromAlice.last?.attribute("type") == "unavailable", "alice is not shown available")
    XCTAssertFalse(network.take(alice).contains("bob@home.lan"), "nor does alice see bob")
  }

  func testTheListIsKeptTheOtherResourceGetsThePushAndStopsTheContactToo() throws {
    let network = SessionNetwork(users: users)
    let laptop = network.login("alice", "a")
    let phone = network.login("alice", "a", resource: "phone")
    let bob = network.login("bob", "b")
    for client in [laptop, phone, bob] { _ = network.take(client) }
    // As in a process that has not needed the list yet: only the push can say what changed.
    network.clients[phone].session.blockList = nil
    network.send(laptop, Self.block(["bob@home.lan", "spam.example"]))
    let gone = stanzas(network.take(bob)).filter { $0.name == "presence" && $0.attribute("type") == "unavailable" }
    XCTAssertEqual(Set(gone.compactMap { $0.attribute("from") }), ["alice@home.lan/laptop", "alice@home.lan/phone"], "§3.3")
    let push = try XCTUnwrap(stanzas(network.take(phone)).first)
    XCTAssertEqual(push.attribute("type"), "set")
    XCTAssertEqual(push.attribute("to"), "alice@home.lan/phone")
    XCTAssertEqual(
      push.child("block", namespace: StanzaNamespace.blocking)?.elements.map { $0.attribute("jid") }, ["bob@home.lan", "spam.example"])
    network.send(bob, "<message to='alice@home.lan/phone' type='chat'><body>to the phone</body></message>")
    XCTAssertEqual(network.take(phone), "", "the phone's process read the new list")
    network.send(phone, "<iq type='get' id='l1'><blocklist xmlns='urn:xmpp:blocking'/></iq>")
    let list = try XCTUnwrap(stanzas(network.take(phone)).first?.child("blocklist", namespace: StanzaNamespace.blocking))
    XCTAssertEqual(Set(list.elements.compactMap { $0.attribute("jid") }), ["bob@home.lan", "spam.example"])
    XCTAssertEqual(network.backend.blocks["alice"], ["bob@home.lan", "spam.example"])
  }

  func testUnblockingEverythingLetsTheContactBackInWithOurPresence() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a", available: "<presence><status>here</status></presence>")
    let bob = network.login("bob", "b")
    network.send(alice, Self.block(["bob@home.lan"]))
    for client in [alice, bob] { _ = network.take(client) }
    network.send(alice, Self.block([], "unblock"))
    let push = try XCTUnwrap(stanzas(network.take(alice)).first { $0.attribute("type") == "set" })
    XCTAssertEqual(push.child("unblock", namespace: StanzaNamespace.blocking)?.elements.count, 0, "unblock all")
    let back = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(back.name, "presence")
    XCTAssertNil(back.attribute("type"))
    XCTAssertEqual(back.child("status")?.text, "here")
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>again</body></message>")
    XCTAssertTrue(network.take(alice).contains("again"))
  }

  func testAMessageABlockedContactSendsWhileWeAreAwayIsRefusedNotStored() throws {
    let network = SessionNetwork(users: users)
    network.backend.blocks["alice"] = ["bob@home.lan"]
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    network.send(bob, "<message to='alice@home.lan' type='chat' id='o1'><body>while you were out</body></message>")
    let refused = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertNotNil(refused.child("error")?.child("service-unavailable"), "§3.5")
    XCTAssertTrue(network.backend.offline.isEmpty, "a blocked contact cannot fill the offline store")
  }

  func testAnOfflineMessageStoredBeforeTheBlockIsNeverDelivered() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>while you were out</body></message>")
    network.send(bob, "</stream:stream>")
    network.backend.blocks["alice"] = ["bob@home.lan"]
    let carol = network.login("carol", "c")
    network.send(carol, "<message to='alice@home.lan' type='chat'><body>from carol</body></message>")
    let alice = network.login("alice", "a")
    let delivered = network.take(alice)
    XCTAssertTrue(delivered.contains("from carol"))
    XCTAssertFalse(delivered.contains("while you were out"))
  }

  func testAResumableStreamDoesNotWriteWhatABlockedContactQueued() throws {
    let network = SessionNetwork(users: users)
    network.backend.blocks["alice"] = ["bob@home.lan"]
    let alice = network.login("alice", "a")
    network.send(alice, "<enable xmlns='urn:xmpp:sm:3' resume='true'/>")
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    for client in [alice, bob, carol] { _ = network.take(client) }
    network.send(bob, "<message to='alice@home.lan/laptop' type='chat'><body>queued from bob</body></message>")
    network.send(carol, "<message to='alice@home.lan/laptop' type='chat'><body>queued from carol</body></message>")
    let written = network.take(alice)
    XCTAssertFalse(written.contains("queued from bob"))
    XCTAssertTrue(written.contains("queued from carol"))
  }

  func testABadAddressAnEmptyBlockAndAFullListAreRefused() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    func condition(_ request: String) -> String? {
      network.send(alice, request)
      return stanzas(network.take(alice)).first { $0.attribute("type") == "error" }?.child("error")?.elements.first?.name
    }
    XCTAssertEqual(condition(Self.block(["@home.lan"])), "jid-malformed")
    XCTAssertEqual(condition(Self.block([])), "bad-request")
    XCTAssertNil(condition(Self.block((1...5).map { "u\($0)@home.lan" })))
    XCTAssertEqual(condition(Self.block(["u6@home.lan"])), "resource-constraint")
    XCTAssertEqual(condition("<iq type='get' id='x' to='bob@home.lan'><blocklist xmlns='urn:xmpp:blocking'/></iq>"), "service-unavailable", "another's list")
  }
}
