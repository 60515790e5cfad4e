import XCTest

@testable import XMPP

/// Two users take one nick at the same moment in two processes: one keeps it, the other is
/// told `conflict`, and everyone else is left with one seat under that nick.
final class SessionRoomNickClashTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]
  let room = "everyone@conference.home.lan"

  func testTwoJoinsThatCrossLeaveOneSeatAndTheOtherAConflict() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.now += 1000
    let bob = network.login("bob", "b")
    let carol = network.login("carol", "c")
    network.send(carol, "<presence to='\(room)/carol'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    for client in [alice, bob, carol] { _ = network.take(client) }
    // Both sessions check the seats they know before either hears of the other's join.
    let join = try XCTUnwrap(stanzas("<presence to='\(room)/sam'><x xmlns='http://jabber.org/protocol/muc'/></presence>").first)
    let fromAlice = network.clients[alice].session.handle(.client(.stanza(join)), now: network.now)
    let fromBob = network.clients[bob].session.handle(.client(.stanza(join)), now: network.now)
    network.perform(alice, fromAlice)
    network.perform(bob, fromBob)
    // The mesh as it is: each link delivers in the order sent.
    while !network.pending.isEmpty {
      let (target, event) = network.pending.removeFirst()
      network.perform(target, network.clients[target].session.handle(event, now: network.now))
    }
    let toCarol = stanzas(network.take(carol)).filter { $0.attribute("from") == "\(room)/sam" }
    XCTAssertEqual(
      toCarol.last?.child("x", namespace: StanzaNamespace.mucUser)?.child("item")?.attribute("jid"), "alice@home.lan/laptop",
      "after bob's leave, carol is shown alice as sam again")
    XCTAssertNil(toCarol.last?.attribute("type"))
    let toAlice = network.take(alice)
    let toBob = network.take(bob)
    XCTAssertTrue(toAlice.contains("<status code='110'/>"), toAlice)
    XCTAssertFalse(toAlice.contains("conflict"), "alice logged in first and keeps the nick: \(toAlice)")
    XCTAssertFalse(toAlice.contains("bob@home.lan/laptop"), "alice is not shown bob under her nick: \(toAlice)")
    let refused = try XCTUnwrap(stanzas(toBob).last)
    XCTAssertEqual(refused.attribute("type"), "error")
    XCTAssertNotNil(refused.child("error")?.child("conflict"), toBob)
    XCTAssertNil(network.clients[bob].session.rooms["everyone"])
    let sam = network.clients[carol].session.occupants(of: "everyone").filter { $0.seat.nick == "sam" }
    XCTAssertEqual(sam.map { $0.jid.local }, ["alice"], "carol sees one sam")
    XCTAssertEqual(
      network.clients[alice].session.occupants(of: "everyone").filter { $0.seat.nick == "sam" }.count, 0,
      "bob's seat went with his leave")
  }
}
