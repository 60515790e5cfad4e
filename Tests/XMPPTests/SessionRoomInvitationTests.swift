import XCTest

@testable import XMPP

/// Invitations to rooms: mediated (XEP-0045 §7.8.2) through the room, with declines back to
/// the inviter, and direct (XEP-0249) from user to user; each reaches every available
/// resource of its recipient.
final class SessionRoomInvitationTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c")]
  let staff = "staff@conference.home.lan"

  func invitations(_ output: String) -> [XMLElement] {
    stanzas(output).compactMap { $0.child("x", namespace: StanzaNamespace.mucUser)?.child("invite") }
  }

  func errorCondition(_ output: String) -> String? {
    stanzas(output).first { $0.attribute("type") == "error" }?.child("error")?.elements.first?.name
  }

  /// A members-only room with alice its owner and carol a member, alice in it.
  func staffRoom() -> (SessionNetwork, alice: Int) {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["staff"] = SessionRoom(
      name: "staff", membersOnly: true, affiliations: ["alice": .owner, "carol": .member])
    let alice = network.login("alice", "a")
    network.send(alice, "<presence to='\(staff)/Al'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    _ = network.take(alice)
    return (network, alice)
  }

  func testAnOwnersInvitationReachesEveryResourceAndMakesTheInviteeAMember() throws {
    let (network, alice) = staffRoom()
    let laptop = network.login("bob", "b")
    let phone = network.login("bob", "b", resource: "phone", available: "<presence><priority>-1</priority></presence>")
    let tablet = network.login("bob", "b", resource: "tablet", available: "<presence><priority>0</priority></presence>")
    for client in [alice, laptop, phone, tablet] { _ = network.take(client) }
    network.send(
      alice,
      "<message to='\(staff)'><x xmlns='http://jabber.org/protocol/muc#user'>"
        + "<invite to='bob@home.lan'><reason>Meeting &amp; cake</reason></invite></x></message>")
    XCTAssertEqual(network.take(alice), "", "no error")
    for client in [laptop, phone, tablet] {
      let output = network.take(client)
      let message = try XCTUnwrap(stanzas(output).first, "client \(client)")
      XCTAssertEqual(message.attribute("from"), staff)
      let invite = try XCTUnwrap(invitations(output).first)
      XCTAssertEqual(invite.attribute("from"), "alice@home.lan/laptop")
      XCTAssertEqual(invite.child("reason")?.text, "Meeting & cake")
    }
    XCTAssertEqual(network.backend.roomStore.rooms["staff"]?.affiliations["bob"], .member)
    network.send(laptop, "<presence to='\(staff)/Bee'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    XCTAssertTrue(network.take(laptop).contains("<status code='110'/>"), "the invitee may now join")
  }

  func testAMembersInvitationToAMembersOnlyRoomIsForbiddenAndAnOutsidersIsNotAcceptable() throws {
    let (network, _) = staffRoom()
    let carol = network.login("carol", "c")
    network.send(carol, "<presence to='\(staff)/Cee'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    let bob = network.login("bob", "b")
    _ = network.take(carol)
    _ = network.take(bob)
    let invite = "<message to='\(staff)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@home.lan'/></x></message>"
    network.send(carol, invite)
    XCTAssertEqual(errorCondition(network.take(carol)), "forbidden")
    XCTAssertNil(network.backend.roomStore.rooms["staff"]?.affiliations["bob"])
    XCTAssertEqual(invitations(network.take(bob)).count, 0)
    network.send(bob, invite.replacingOccurrences(of: "bob@home.lan", with: "carol@home.lan"))
    XCTAssertEqual(errorCondition(network.take(bob)), "not-acceptable", "only occupants invite")
    network.send(carol, invite.replacingOccurrences(of: "bob@home.lan", with: "nobody@home.lan"))
    XCTAssertEqual(errorCondition(network.take(carol)), "item-not-found")
  }

  func testADeclineGoesBackToTheInviterAndAnInvitationToSomeoneOfflineIsKept() throws {
    let (network, alice) = staffRoom()
    network.send(
      alice, "<message to='\(staff)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@home.lan'/></x></message>")
    let kept = network.backend.offlineMessages(for: "bob")
    XCTAssertEqual(kept.count, 1)
    XCTAssertTrue(kept.first?.stanza.contains("<invite from='alice@home.lan/laptop'>") ?? false, "\(kept)")
    let bob = network.login("bob", "b")
    _ = network.take(bob)
    _ = network.take(alice)
    network.send(
      bob,
      "<message to='\(staff)'><x xmlns='http://jabber.org/protocol/muc#user'>"
        + "<decline to='alice@home.lan'><reason>Sorry</reason></decline></x></message>")
    XCTAssertEqual(network.take(bob), "", "a decline needs no seat in the room")
    let decline = try XCTUnwrap(
      stanzas(network.take(alice)).first?.child("x", namespace: StanzaNamespace.mucUser)?.child("decline"))
    XCTAssertEqual(decline.attribute("from"), "bob@home.lan")
    XCTAssertEqual(decline.child("reason")?.text, "Sorry")
  }

  func testADirectInvitationReachesEveryAvailableResourceOfTheInvitee() throws {
    let network = SessionNetwork(users: users)
    let carol = network.login("carol", "c")
    let laptop = network.login("bob", "b", available: "<presence><priority>5</priority></presence>")
    let phone = network.login("bob", "b", resource: "phone", available: "<presence><priority>1</priority></presence>")
    for client in [carol, laptop, phone] { _ = network.take(client) }
    network.send(carol, "<message to='bob@home.lan'><x xmlns='jabber:x:conference' jid='\(staff)' reason='hi'/></message>")
    for client in [laptop, phone] {
      let message = try XCTUnwrap(stanzas(network.take(client)).first, "client \(client)")
      XCTAssertEqual(message.child("x", namespace: "jabber:x:conference")?.attribute("jid"), staff)
    }
    network.send(carol, "<message to='bob@home.lan'><body>plain</body></message>")
    XCTAssertEqual(stanzas(network.take(laptop)).count, 1)
    XCTAssertEqual(stanzas(network.take(phone)).count, 0, "another message: the highest priority only")
  }
}
