import XCTest

@testable import XMPP

/// XEP-0045 §7.2.3: a joiner gets every occupant's presence with its show and status, whether
/// the occupant's seat became known from its hello (it joined before the joiner's session
/// existed) or from the `room` message of its join or change.
final class SessionRoomPresenceTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]
  let room = "everyone@conference.home.lan"

  func presence(of nick: String, in output: String) -> XMLElement? {
    stanzas(output).first { $0.name == "presence" && $0.attribute("from") == "\(room)/\(nick)" }
  }

  func testAJoinerWhoseSessionCameLaterGetsTheOccupantsShowAndStatusFromItsHello() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.send(
      alice,
      "<presence to='\(room)/Al'><show>dnd</show><status>busy &amp; away</status><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    network.send(bob, "<presence to='\(room)/Bee'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    let seen = try XCTUnwrap(presence(of: "Al", in: network.take(bob)))
    XCTAssertEqual(seen.child("show")?.text, "dnd")
    XCTAssertEqual(seen.child("status")?.text, "busy & away")
    XCTAssertEqual(seen.child("x", namespace: StanzaNamespace.mucUser)?.child("item")?.attribute("jid"), "alice@home.lan/laptop")
  }

  func testAJoinerGetsTheOccupantsLastRoomPresenceWholeAfterAChangeAndAStateMessage() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let carol = network.login("carol", "c")
    network.send(alice, "<presence to='\(room)/Al'><show>away</show><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    network.send(
      alice,
      "<presence to='\(room)/Al'><show>xa</show><status>gone fishing</status>"
        + "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>")
    // A client state change (XEP-0352) sends the peers alice's state words again.
    network.send(alice, "<inactive xmlns='urn:xmpp:csi:0'/>")
    _ = network.take(carol)
    network.send(carol, "<presence to='\(room)/Cee'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    let seen = try XCTUnwrap(presence(of: "Al", in: network.take(carol)))
    XCTAssertEqual(seen.child("show")?.text, "xa")
    XCTAssertEqual(seen.child("status")?.text, "gone fishing")
    XCTAssertNotNil(seen.child("c", namespace: "http://jabber.org/protocol/caps"), "the room presence whole")
  }

  func testSeatWordsCarryShowAndStatusAndOldOnesAreStillRead() {
    let seat = RoomSeat(nick: "Zoë", affiliation: .member, show: "dnd", status: "in a call. back soon")
    let word = RoomSeat.word(room: "everyone", seat: seat)
    XCTAssertFalse(word.contains(" "))
    XCTAssertEqual(RoomSeat.parse(Substring(word))?.seat, seat)
    XCTAssertEqual(RoomSeat.parse("room=61.62.member")?.seat, RoomSeat(nick: "b", affiliation: .member))
    XCTAssertNil(RoomSeat.parse("room=61.62.member.sleepy.")?.seat, "a show XMPP does not have")
  }
}
