import Crypto
import Text
import XCTest

@testable import XMPP

/// Several devices of one user: XEP-0198 stream management (acknowledgements, resumption on a
/// new connection after the old process died or while it lives), XEP-0280 carbons, XEP-0352
/// client state, and what a client asks that the server does not do.
final class SessionDevicesTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]
  let sm = "urn:xmpp:sm:3"

  /// SASL and the restarted stream, no bind: where `<resume/>` is sent.
  func authenticate(_ network: SessionNetwork, _ user: String, _ password: String) -> Int {
    let index = network.connect()
    network.send(index, SessionNetwork.header)
    let credentials = Base64.encode(Array("\0\(user)\0\(password)".utf8))
    network.send(index, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(credentials)</auth>")
    network.send(index, SessionNetwork.header)
    _ = network.take(index)
    return index
  }

  /// alice's phone with a resumable stream (its id), and bob on his laptop.
  func resumablePhone(_ network: SessionNetwork) throws -> (phone: Int, bob: Int, id: String) {
    let bob = network.login("bob", "b")
    let phone = network.login("alice", "a", resource: "phone", available: nil)
    network.send(phone, "<enable xmlns='\(sm)' resume='true'/>")
    network.send(phone, "<presence/>")
    let enabled = try XCTUnwrap(stanzas(network.take(phone)).first { $0.name == "enabled" })
    _ = network.take(bob)
    return (phone, bob, try XCTUnwrap(enabled.attribute("id")))
  }

  func bodies(_ output: String) -> [String] {
    stanzas(output).filter { $0.name == "message" }.compactMap { $0.child("body")?.text }
  }

  func testStreamFeaturesOfferStreamManagementAndClientState() {
    let network = SessionNetwork(users: users)
    let index = network.connect()
    network.send(index, SessionNetwork.header)
    let credentials = Base64.encode(Array("\0alice\0a".utf8))
    network.send(index, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(credentials)</auth>")
    network.send(index, SessionNetwork.header)
    let output = network.take(index)
    XCTAssertTrue(output.contains("<sm xmlns='urn:xmpp:sm:3'/>"), output)
    XCTAssertTrue(output.contains("<csi xmlns='urn:xmpp:csi:0'/>"), output)
  }

  func testAcknowledgementsBothWays() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a")
    network.send(alice, "<enable xmlns='\(sm)'/>")
    XCTAssertTrue(network.take(alice).contains("<enabled xmlns='urn:xmpp:sm:3'/>"))
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>one</body></message>")
    let output = network.take(alice)
    XCTAssertEqual(bodies(output), ["one"])
    XCTAssertTrue(output.hasSuffix("<r xmlns='urn:xmpp:sm:3'/>"), "the server asks for the count: \(output)")
    network.send(alice, "<message to='bob@home.lan' type='chat'><body>two</body></message>")
    network.send(alice, "<r xmlns='\(sm)'/>")
    XCTAssertTrue(network.take(alice).contains("<a xmlns='urn:xmpp:sm:3' h='1'/>"))
    network.send(alice, "<a xmlns='\(sm)' h='1'/>")
    XCTAssertFalse(network.clients[alice].closed)
    network.send(alice, "<a xmlns='\(sm)' h='5'/>")
    let error = network.take(alice)
    XCTAssertTrue(error.contains("<handled-count-too-high xmlns='urn:xmpp:sm:3' h='5' send-count='1'/>"), error)
    XCTAssertTrue(network.clients[alice].closed)
  }

  func testAStreamResumedAfterItsProcessWasKilledDeliversEveryMessageExactlyOnce() throws {
    let network = SessionNetwork(users: users)
    let (phone, bob, id) = try resumablePhone(network)
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>1</body></message>")
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>2</body></message>")
    // Written since <enable/>: the phone's own presence, bob's, then 1 and 2.
    XCTAssertEqual(bodies(network.take(phone)), ["1", "2"])
    network.send(phone, "<a xmlns='\(sm)' h='3'/>")  // acknowledged up to 1; 2 reaches it later
    network.send(phone, "<message to='bob@home.lan' type='chat'><body>from the phone</body></message>")
    XCTAssertEqual(bodies(network.take(bob)), ["from the phone"])
    // Message 3 is sent as the phone's process dies: queued, never written.
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>3</body></message>")
    network.kill(phone)
    network.send(bob, "<message to='alice@home.lan/phone' type='chat'><body>4</body></message>")
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>5</body></message>")

    let again = authenticate(network, "alice", "a")
    network.send(again, "<resume xmlns='\(sm)' previd='\(id)' h='4'/>")
    let output = network.take(again)
    let resumed = try XCTUnwrap(stanzas(output).first { $0.name == "resumed" }, output)
    XCTAssertEqual(resumed.attribute("h"), "2", "presence and the message to bob were handled")
    XCTAssertEqual(bodies(output), ["3", "4", "5"], output)
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>6</body></message>")
    XCTAssertEqual(bodies(network.take(again)), ["6"])
    XCTAssertEqual(network.backend.offline.count, 0)
  }

  func testAResumptionTakesOverALiveProcessWhichEndsWithoutAWord() throws {
    let network = SessionNetwork(users: users)
    let (phone, bob, id) = try resumablePhone(network)
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>1</body></message>")
    _ = network.take(phone)  // written into a connection that died unnoticed
    let again = authenticate(network, "alice", "a")
    network.send(again, "<resume xmlns='\(sm)' previd='\(id)' h='0'/>")
    XCTAssertTrue(network.clients[phone].closed)
    XCTAssertEqual(network.take(phone), "", "nothing more to the old connection")
    let output = network.take(again)
    XCTAssertNotNil(stanzas(output).first { $0.name == "resumed" }, output)
    XCTAssertEqual(bodies(output), ["1"])
    XCTAssertFalse(network.take(bob).contains("unavailable"), "bob never saw alice's phone go")
    network.send(bob, "<message to='alice@home.lan/phone' type='chat'><body>2</body></message>")
    XCTAssertEqual(bodies(network.take(again)), ["2"])
  }

  func testAResumptionOfAnotherUsersStreamOrAnUnknownOneFails() throws {
    let network = SessionNetwork(users: users)
    let (_, _, id) = try resumablePhone(network)
    let bob = authenticate(network, "bob", "b")
    network.send(bob, "<resume xmlns='\(sm)' previd='\(id)' h='0'/>")
    XCTAssertTrue(network.take(bob).contains("<item-not-found"))
    network.send(bob, "<resume xmlns='\(sm)' previd='nope' h='0'/>")
    XCTAssertTrue(network.take(bob).contains("<item-not-found"))
    network.send(bob, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    XCTAssertTrue(network.take(bob).contains("<jid>bob@home.lan/"), "a fresh bind still works")
  }

  func testAFreshLoginEndsTheDeadStreamAndGetsItsMessagesAsOfflineMessages() throws {
    let network = SessionNetwork(users: users)
    let (phone, bob, _) = try resumablePhone(network)
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>never acknowledged</body></message>")
    network.kill(phone)
    network.now += 1000
    let laptop = network.login("alice", "a", resource: "laptop")
    let output = network.take(laptop)
    XCTAssertEqual(bodies(output), ["never acknowledged"], output)
    XCTAssertTrue(network.backend.streams.isEmpty)
  }

  func testAClosedStreamKeepsItsUnacknowledgedMessagesOffline() throws {
    let network = SessionNetwork(users: users)
    let (phone, bob, _) = try resumablePhone(network)
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>unread</body></message>")
    network.send(phone, "</stream:stream>")
    XCTAssertEqual(network.backend.offline.map { $0.user }, ["alice"])
    XCTAssertTrue(network.backend.streams.isEmpty)
  }

  func testAClientThatNeverAcknowledgesIsCutOffAndItsMessagesKeptOffline() {
    let network = SessionNetwork(users: users)
    network.backend.offlineLimit = 2000
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a", available: nil)
    network.send(alice, "<enable xmlns='\(sm)'/>")
    network.send(alice, "<presence/>")
    for number in 1...1000 {
      network.send(bob, "<message to='alice@home.lan' type='chat'><body>\(number)</body></message>")
    }
    XCTAssertTrue(network.clients[alice].closed)
    XCTAssertTrue(network.take(alice).contains("<resource-constraint"))
    // 998 written and 1 more unacknowledged (after the two presences) end the connection;
    // the last goes offline as alice is gone.
    let kept = network.backend.offline.compactMap { stanzas($0.message.stanza).first?.child("body")?.text }
    XCTAssertEqual(kept, (1...1000).map { "\($0)" })
  }

  func testAResumableStreamWhoseQueueIsFullKeepsTheMessageOfflineAndWaitsForItsClient() throws {
    let network = SessionNetwork(users: users)
    let (phone, bob, _) = try resumablePhone(network)
    network.backend.queueLimit = 3
    for number in 1...3 {
      network.send(bob, "<message to='alice@home.lan' type='chat'><body>\(number)</body></message>")
    }
    XCTAssertTrue(network.clients[phone].closed)
    XCTAssertEqual(network.backend.streams.count, 1, "the stream waits to be resumed")
    // The queue held the two presences and 1; 2 did not fit, 3 came after the connection ended.
    let kept = network.backend.offline.compactMap { stanzas($0.message.stanza).first?.child("body")?.text }
    XCTAssertEqual(kept, ["2", "3"])
  }

  func testEnableBeforeBindAndUnknownElementsLeaveTheStreamOpen() {
    let network = SessionNetwork(users: users)
    let index = authenticate(network, "alice", "a")
    network.send(index, "<enable xmlns='\(sm)'/>")
    XCTAssertTrue(network.take(index).contains("<unexpected-request"))
    network.send(index, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    _ = network.take(index)
    network.send(index, "<unknown xmlns='urn:example:nothing'/>")
    network.send(index, "<iq type='get' id='q'><query xmlns='urn:example:nothing'/></iq>")
    XCTAssertTrue(network.take(index).contains("<service-unavailable"))
    network.send(index, "<message to='home.lan' type='chat'><body>hello server</body></message>")
    XCTAssertTrue(network.take(index).contains("<service-unavailable"))
    XCTAssertFalse(network.clients[index].closed)
  }

  func testCarbonsCopyWhatTheOtherDevicesSendAndReceive() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let laptop = network.login("alice", "a", resource: "laptop")
    let phone = network.login("alice", "a", resource: "phone")
    network.send(phone, "<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq>")
    for client in [bob, laptop, phone] { _ = network.take(client) }

    network.send(bob, "<message to='alice@home.lan/laptop' type='chat' id='m1'><body>to the laptop</body></message>")
    XCTAssertEqual(bodies(network.take(laptop)), ["to the laptop"])
    let received = try XCTUnwrap(stanzas(network.take(phone)).first)
    XCTAssertEqual(received.attribute("from"), "alice@home.lan")
    XCTAssertEqual(received.attribute("to"), "alice@home.lan/phone")
    let copy = try XCTUnwrap(
      received.child("received", namespace: StanzaNamespace.carbons)?.child("forwarded", namespace: StanzaNamespace.forward)?
        .child("message", namespace: StanzaNamespace.client))
    XCTAssertEqual(copy.attribute("from"), "bob@home.lan/laptop")
    XCTAssertEqual(copy.child("body")?.text, "to the laptop")

    network.send(laptop, "<message to='bob@home.lan' type='chat'><body>from the laptop</body></message>")
    let sent = try XCTUnwrap(stanzas(network.take(phone)).first)
    let sentCopy = try XCTUnwrap(
      sent.child("sent", namespace: StanzaNamespace.carbons)?.child("forwarded", namespace: StanzaNamespace.forward)?
        .child("message", namespace: StanzaNamespace.client))
    XCTAssertEqual(sentCopy.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(sentCopy.attribute("to"), "bob@home.lan")

    network.send(
      laptop,
      "<message to='bob@home.lan' type='chat'><body>secret</body><private xmlns='urn:xmpp:carbons:2'/></message>")
    XCTAssertEqual(network.take(phone), "", "a private message is not copied")
    network.send(phone, "<iq type='set' id='d'><disable xmlns='urn:xmpp:carbons:2'/></iq>")
    _ = network.take(phone)
    network.send(bob, "<message to='alice@home.lan/laptop' type='chat'><body>again</body></message>")
    XCTAssertEqual(network.take(phone), "")
  }

  func testAnInactivePhoneGetsMessagesAtOnceAndPresenceWhenActive() {
    let network = SessionNetwork(users: users)
    let phone = network.login("alice", "a", resource: "phone")
    let bob = network.login("bob", "b")
    _ = network.take(phone)
    network.send(phone, "<inactive xmlns='urn:xmpp:csi:0'/>")
    network.send(bob, "<presence><show>away</show></presence>")
    network.send(bob, "<presence><show>dnd</show></presence>")
    network.send(bob, "<message to='alice@home.lan' type='chat'><body>now</body></message>")
    let inactive = network.take(phone)
    XCTAssertEqual(bodies(inactive), ["now"])
    XCTAssertFalse(inactive.contains("<presence"), inactive)
    network.send(phone, "<active xmlns='urn:xmpp:csi:0'/>")
    let presence = stanzas(network.take(phone)).filter { $0.name == "presence" }
    XCTAssertEqual(presence.map { $0.child("show")?.text }, ["dnd"], "the latest of bob's, once")
  }
}
