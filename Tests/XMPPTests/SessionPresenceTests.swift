import XCTest

@testable import XMPP

final class SessionPresenceTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]

  func testInitialPresenceIsBroadcastWithShowStatusAndEchoedToItsSender() throws {
    let network = SessionNetwork(users: users)
    let bob = network.login("bob", "b")
    let alice = network.login("alice", "a", available: nil)
    _ = network.take(bob)
    _ = network.take(alice)
    network.send(alice, "<presence><show>away</show><status>lunch &amp; tea</status><priority>3</priority></presence>")
    let seen = try XCTUnwrap(stanzas(network.take(bob)).first)
    XCTAssertEqual(seen.name, "presence")
    XCTAssertEqual(seen.attribute("from"), "alice@home.lan/laptop")
    XCTAssertEqual(seen.attribute("to"), "bob@home.lan/laptop")
    XCTAssertEqual(seen.child("show")?.text, "away")
    XCTAssertEqual(seen.child("status")?.text, "lunch & tea")
    let own = stanzas(network.take(alice))
    XCTAssertEqual(own.map { $0.attribute("from") }, ["alice@home.lan/laptop", "bob@home.lan/laptop"])
  }

  func testALaterLoginLearnsWhoIsOnlineFromTheHellos() throws {
    let network = SessionNetwork(users: users)
    _ = network.login("bob", "b", available: "<presence><show>dnd</show></presence>")
    let alice = network.login("alice", "a")
    let presences = stanzas(network.take(alice)).filter { $0.name == "presence" }
    let bobs = try XCTUnwrap(presences.first { $0.attribute("from") == "bob@home.lan/laptop" })
    XCTAssertEqual(bobs.child("show")?.text, "dnd")
  }

  func testUnavailableOnLogoutAndOnAKilledProcessAndNoneForABoundButUnavailableSession() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    let quiet = network.login("bob", "b", resource: "quiet", available: nil)
    _ = network.take(alice)
    network.send(bob, "</stream:stream>")
    let left = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(left.attribute("type"), "unavailable")
    XCTAssertEqual(left.attribute("from"), "bob@home.lan/laptop")
    XCTAssertEqual(network.clients[bob].logs.last, SessionLogLine(.authNotice, "LOGOUT bob@home.lan/laptop"))
    network.kill(quiet)
    XCTAssertEqual(network.take(alice), "", "it never was available")
    let again = network.login("bob", "b", resource: "again")
    _ = network.take(alice)
    network.kill(again)
    let killed = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(killed.attribute("type"), "unavailable")
    XCTAssertEqual(killed.attribute("from"), "bob@home.lan/again")
  }

  func testDirectedPresenceReachesOnlyItsAddressee() throws {
    let network = SessionNetwork(users: [("alice", "a"), ("bob", "b"), ("carol", "c")])
    let alice = network.login("alice", "a", available: nil)
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    _ = network.take(bob)
    _ = network.take(carol)
    network.send(alice, "<presence to='bob@home.lan'><status>psst</status></presence>")
    XCTAssertEqual(stanzas(network.take(bob)).first?.child("status")?.text, "psst")
    XCTAssertEqual(network.take(carol), "")
  }

  func testSecondLoginOfTheSameFullJIDReplacesTheFirst() {
    let network = SessionNetwork(users: users)
    let first = network.login("alice", "a")
    network.now += 1000
    let second = network.login("alice", "a")
    XCTAssertTrue(network.take(first).contains("<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"))
    XCTAssertTrue(network.clients[first].closed)
    XCTAssertFalse(network.clients[second].closed)
    XCTAssertFalse(network.take(second).contains("unavailable"), "the replaced session is not a peer")
  }

  func testIdleTimeoutEndsTheStreamAndTellsTheOthers() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    _ = network.take(alice)
    network.deliver(bob, .idle)
    XCTAssertTrue(network.take(bob).hasSuffix(
      "<stream:error><connection-timeout xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"))
    XCTAssertTrue(network.clients[bob].closed)
    XCTAssertEqual(stanzas(network.take(alice)).first?.attribute("type"), "unavailable")
    XCTAssertEqual(network.clients[bob].logs.last, SessionLogLine(.authNotice, "LOGOUT bob@home.lan/laptop"))
  }

  func testSubscriptionRequestIsGrantedAtOnce() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    _ = network.take(alice)
    network.send(alice, "<presence to='bob@home.lan' type='subscribe'/>")
    let answer = try XCTUnwrap(stanzas(network.take(alice)).first)
    XCTAssertEqual(answer.attribute("type"), "subscribed")
    XCTAssertEqual(answer.attribute("from"), "bob@home.lan")
  }
}

final class SessionMeshMessageTests: XCTestCase {
  func testMessagesSurviveTheirEncoding() {
    let messages: [SessionMeshMessage] = [
      .hello(SessionMeshHello(user: "alice", resource: "a b", since: 17, token: 99, priority: 3, presence: "<presence/>")),
      .hello(SessionMeshHello(user: "bob", resource: "x", since: 1, token: .max, priority: nil, presence: nil)),
      .hello(
        SessionMeshHello(
          user: "carol", resource: "phone", since: 2, token: 3, priority: 0,
          state: SessionMeshState(stream: "ab12", resuming: "cd34", carbons: true, inactive: true), presence: "<presence/>")),
      .presence(priority: -5, queued: [], xml: "<presence>\n<show>away</show></presence>"),
      .presence(priority: nil, queued: ["ab12", "cd34"], xml: "<presence type='unavailable'/>"),
      .stanza("<message to='bob@h'><body>line\nline</body></message>"),
      .complete("<message from='a@h' to='a@h/b'><sent xmlns='urn:xmpp:carbons:2'/></message>"),
      .queued,
      .state(SessionMeshState(stream: "ef56", carbons: false, inactive: true)),
      .usersChanged,
    ]
    for message in messages { XCTAssertEqual(SessionMeshMessage(message.bytes), message) }
  }

  func testGarbledMessagesAreIgnored() {
    for text in [
      "", "hello\nalice", "presence\n200\n\n<presence/>", "presence\n1\n<presence/>", "stanza\nnot xml", "users-changed\n",
      "queued\n", "other",
    ] {
      XCTAssertNil(SessionMeshMessage(Array(text.utf8)), text)
    }
  }

  func testJIDParsingKeepsTheResourceAndFoldsASCIICase() {
    XCTAssertEqual(JID("Alice@Home.LAN/Phone/2"), JID(local: "alice", domain: "home.lan", resource: "Phone/2"))
    XCTAssertEqual(JID("home.lan")?.local, "")
    XCTAssertNil(JID("@home.lan"))
    XCTAssertNil(JID("a@home.lan/"))
    XCTAssertNil(JID("a@b@c"))
  }

  func testTimestampsAreXEP0082UTC() {
    XCTAssertEqual(StanzaText.timestamp(0), "1970-01-01T00:00:00Z")
    XCTAssertEqual(StanzaText.timestamp(951_782_400), "2000-02-29T00:00:00Z")
    XCTAssertEqual(StanzaText.timestamp(1_764_287_999), "2025-11-27T23:59:59Z")
  }

  func testStampingAndAppendingEditTheStartTagAndTheEnd() {
    XCTAssertEqual(
      StanzaText.stamped("<message to='b'><body/></message>", from: "a@h/r", to: nil),
      "<message from='a@h/r' to='b'><body/></message>")
    XCTAssertEqual(StanzaText.stamped("<presence/>", from: "a", to: "b&c"), "<presence from='a' to='b&amp;c'/>")
    XCTAssertEqual(StanzaText.appending("<x/>", to: "<message a='1'/>"), "<message a='1'><x/></message>")
    XCTAssertEqual(StanzaText.appending("<x/>", to: "<m><b/></m>"), "<m><b/><x/></m>")
  }
}
