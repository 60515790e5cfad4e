import XCTest

@testable import XMPP

/// A room's messages in the archive (XEP-0313 §5): the stanza-id every occupant gets, the
/// history on join and archive queries to the room's JID read the same rows.
final class SessionRoomArchiveTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]
  let room = "everyone@conference.home.lan"

  func join(_ network: SessionNetwork, _ client: Int, _ nick: String, room: String? = nil, history: String = "") {
    network.send(
      client, "<presence to='\(room ?? self.room)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'>\(history)</x></presence>")
  }

  /// Alice and Bob in the room for everyone; Alice says "m0", "m1", ... one second apart.
  func talking(_ count: Int) -> (SessionNetwork, alice: Int, bob: Int) {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    join(network, alice, "Al")
    join(network, bob, "Bee")
    for number in 0..<count {
      network.send(alice, "<message to='\(room)' type='groupchat' id='m\(number)'><body>m\(number)</body></message>")
      network.now += 1000
    }
    _ = network.take(alice)
    _ = network.take(bob)
    return (network, alice, bob)
  }

  func query(_ network: SessionNetwork, _ client: Int, to: String? = nil, _ inner: String = "") throws -> (
    bodies: [String], ids: [String], results: [XMLElement], fin: XMLElement
  ) {
    network.send(client, "<iq type='set' id='q' to='\(to ?? room)'><query xmlns='urn:xmpp:mam:2' queryid='f'>\(inner)</query></iq>")
    let output = stanzas(network.take(client))
    let results = output.filter { $0.child("result", namespace: StanzaNamespace.mam) != nil }
    let iq = try XCTUnwrap(output.last)
    XCTAssertEqual(iq.attribute("type"), "result", "\(output)")
    let fin = try XCTUnwrap(iq.child("fin", namespace: StanzaNamespace.mam))
    let forwarded = results.map { $0.child("result")?.child("forwarded")?.child("message") }
    return (
      forwarded.map { $0?.child("body")?.text ?? "?" }, results.map { $0.child("result")?.attribute("id") ?? "?" }, results, fin
    )
  }

  func rsm(max: Int, after: String? = nil) -> String {
    "<set xmlns='http://jabber.org/protocol/rsm'><max>\(max)</max>" + (after.map { "<after>\($0)</after>" } ?? "") + "</set>"
  }

  func testEveryOccupantGetsTheRoomsStanzaIDWhichTheArchiveAndTheHistoryAnswerWith() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    join(network, alice, "Al")
    join(network, bob, "Bee")
    _ = network.take(alice)
    _ = network.take(bob)
    network.send(
      alice,
      "<message to='\(room)' type='groupchat'><body>hi</body>"
        + "<stanza-id xmlns='urn:xmpp:sid:0' by='\(room)' id='forged'/></message>")
    var ids: [String] = []
    for client in [alice, bob] {
      let message = try XCTUnwrap(stanzas(network.take(client)).first { $0.child("body") != nil })
      let stanzaIDs = message.elements.filter { $0.name == "stanza-id" }
      XCTAssertEqual(stanzaIDs.count, 1, "the client's own claim by the room is removed")
      XCTAssertEqual(stanzaIDs.first?.attribute("by"), room)
      ids.append(try XCTUnwrap(stanzaIDs.first?.attribute("id")))
    }
    XCTAssertEqual(ids[0], ids[1])
    XCTAssertNotEqual(ids[0], "forged")
    XCTAssertEqual(network.backend.roomStore.history.map(\.id), [ids[0]])
    XCTAssertEqual(network.backend.roomStore.history.first?.nick, "Al")
    XCTAssertFalse(network.backend.roomStore.history[0].stanza.contains("stanza-id"), "kept without it, added when read")
    let answer = try query(network, bob)
    XCTAssertEqual(answer.ids, [ids[0]])
    XCTAssertEqual(answer.results.first?.attribute("from"), room, "the archive's owner is the room")
    let forwarded = try XCTUnwrap(answer.results.first?.child("result")?.child("forwarded")?.child("message"))
    XCTAssertEqual(forwarded.namespace, StanzaNamespace.client)
    XCTAssertEqual(forwarded.attribute("from"), "\(room)/Al")
    XCTAssertEqual(forwarded.attribute("type"), "groupchat")
    let carol = network.login("carol", "c")
    _ = network.take(carol)
    join(network, carol, "Cee")
    let history = try XCTUnwrap(stanzas(network.take(carol)).first { $0.child("body") != nil })
    XCTAssertEqual(history.child("stanza-id", namespace: StanzaNamespace.stanzaID)?.attribute("id"), ids[0])
    XCTAssertNotNil(history.child("delay", namespace: StanzaNamespace.delay))
  }

  func testARoomQueryPagesTenTenFiveAndFiltersByNickAndDate() throws {
    let (network, _, bob) = talking(25)
    let first = try query(network, bob, rsm(max: 10))
    XCTAssertEqual(first.bodies, (0..<10).map { "m\($0)" })
    XCTAssertEqual(first.fin.attribute("complete"), "false")
    XCTAssertEqual(first.fin.child("set")?.child("count")?.text, "25")
    let second = try query(network, bob, rsm(max: 10, after: first.ids.last))
    XCTAssertEqual(second.bodies, (10..<20).map { "m\($0)" })
    let third = try query(network, bob, rsm(max: 10, after: second.ids.last))
    XCTAssertEqual(third.bodies, (20..<25).map { "m\($0)" })
    XCTAssertEqual(third.fin.attribute("complete"), "true")
    func form(_ fields: String) -> String {
      "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
        + fields + "</x>"
    }
    let byDate = try query(network, bob, form("<field var='start'><value>2025-11-28T00:00:23Z</value></field>"))
    XCTAssertEqual(byDate.bodies, ["m23", "m24"])
    XCTAssertEqual(try query(network, bob, form("<field var='with'><value>\(room)/Al</value></field>")).bodies.count, 25)
    XCTAssertEqual(try query(network, bob, form("<field var='with'><value>\(room)/Bee</value></field>")).bodies, [])
    XCTAssertEqual(try query(network, bob, form("<field var='with'><value>alice@home.lan</value></field>")).bodies.count, 25)
    XCTAssertEqual(try query(network, bob, to: "bob@home.lan").bodies, [], "groupchat is not in a user's own archive")
  }

  func testAMembersOnlyRoomsArchiveAnswersItsMembersOnly() throws {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["staff"] = SessionRoom(
      name: "staff", membersOnly: true, affiliations: ["alice": .member, "bob": .outcast])
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    join(network, alice, "Al", room: "staff@conference.home.lan")
    network.send(alice, "<message to='staff@conference.home.lan' type='groupchat'><body>secret</body></message>")
    for client in [alice, bob, carol] { _ = network.take(client) }
    XCTAssertEqual(try query(network, alice, to: "staff@conference.home.lan").bodies, ["secret"])
    for client in [bob, carol] {
      network.send(client, "<iq type='set' id='q' to='staff@conference.home.lan'><query xmlns='urn:xmpp:mam:2'/></iq>")
      let output = network.take(client)
      XCTAssertTrue(output.contains("<forbidden"), output)
      XCTAssertFalse(output.contains("secret"), output)
    }
  }

  func testTheRoomAdvertisesItsArchiveAndKeepsNothingWhenTheRetentionIsZero() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.send(alice, "<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    let info = network.take(alice)
    XCTAssertTrue(info.contains("<feature var='urn:xmpp:mam:2'/>"), info)
    XCTAssertTrue(info.contains("<feature var='urn:xmpp:sid:0'/>"), info)
    network.backend.archiveDays = 0
    let bob = network.login("bob", "b")
    join(network, bob, "Bee")
    network.send(bob, "<message to='\(room)' type='groupchat'><body>gone</body></message>")
    let echoed = try XCTUnwrap(stanzas(network.take(bob)).first { $0.child("body") != nil })
    XCTAssertNil(echoed.child("stanza-id", namespace: StanzaNamespace.stanzaID))
    XCTAssertEqual(network.backend.roomStore.history.count, 0)
    network.send(bob, "<iq type='get' id='i' to='\(room)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    XCTAssertFalse(network.take(bob).contains("urn:xmpp:mam:2"))
  }

  func testHistoryOnJoinHonoursMaxcharsAndTheRetention() throws {
    let (network, _, _) = talking(3)
    let carol = network.login("carol", "c")
    _ = network.take(carol)
    join(network, carol, "Cee", history: "<history maxchars='1'/>")
    XCTAssertEqual(stanzas(network.take(carol)).filter { $0.child("body") != nil }.count, 0, "not even one fits")
    network.send(carol, "<presence to='\(room)/Cee' type='unavailable'/>")
    network.now += 366 * 86_400_000
    _ = network.take(carol)
    join(network, carol, "Cee")
    let joined = network.take(carol)
    XCTAssertTrue(joined.contains("<status code='110'/>"), joined)
    XCTAssertEqual(stanzas(joined).filter { $0.child("body") != nil }.count, 0, "past the retention")
  }
}
