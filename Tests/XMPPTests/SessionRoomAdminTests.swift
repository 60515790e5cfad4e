import XCTest

@testable import XMPP

/// XEP-0045 §8-§10 from clients: kicks, bans, affiliation changes and lists, the members-only
/// switch and an owner destroying a room, each seen by every occupant with its status codes.
final class SessionRoomAdminTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b"), ("carol", "c"), ("dave", "d")]
  let club = "club@conference.home.lan"

  /// alice (owner), bob and carol in the open room `club`, each client's output taken.
  func clubRoom() -> (SessionNetwork, alice: Int, bob: Int, carol: Int) {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["club"] = SessionRoom(name: "club", affiliations: ["alice": .owner, "carol": .member])
    let clients = ["alice", "bob", "carol"].map { network.login($0, String($0.first!)) }
    for (client, nick) in zip(clients, ["Al", "Bee", "Cee"]) {
      network.send(client, "<presence to='\(club)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    }
    for client in clients { _ = network.take(client) }
    return (network, clients[0], clients[1], clients[2])
  }

  func admin(_ network: SessionNetwork, _ client: Int, _ items: String, type: String = "set", to: String? = nil) -> String {
    network.send(
      client,
      "<iq type='\(type)' id='a' to='\(to ?? club)'><query xmlns='http://jabber.org/protocol/muc#admin'>\(items)</query></iq>")
    return network.take(client)
  }

  func errorCondition(_ output: String) -> String? {
    stanzas(output).first { $0.attribute("type") == "error" }?.child("error")?.elements.first?.name
  }

  /// The status codes and item of the presence from `nick` in the output.
  func presence(from nick: String, in output: String) -> (type: String?, codes: [String], item: XMLElement?)? {
    guard let presence = stanzas(output).last(where: { $0.name == "presence" && $0.attribute("from") == "\(club)/\(nick)" })
    else { return nil }
    let x = presence.child("x", namespace: StanzaNamespace.mucUser)
    return (
      presence.attribute("type"), x?.elements.filter { $0.name == "status" }.compactMap { $0.attribute("code") } ?? [],
      x?.child("item")
    )
  }

  func testAModeratorKicksAParticipantWhoLeavesWith307AndAParticipantMayNotKick() throws {
    let (network, alice, bob, carol) = clubRoom()
    XCTAssertEqual(errorCondition(admin(network, bob, "<item nick='Cee' role='none'/>")), "forbidden")
    let result = admin(network, alice, "<item nick='Bee' role='none'><reason>spam</reason></item>")
    XCTAssertTrue(result.contains("type='result'"), result)
    let kicked = try XCTUnwrap(presence(from: "Bee", in: network.take(bob)))
    XCTAssertEqual(kicked.type, "unavailable")
    XCTAssertEqual(Set(kicked.codes), ["307", "110"])
    for client in [alice, carol] {
      let seen = try XCTUnwrap(presence(from: "Bee", in: result + network.take(client)), "client \(client)")
      XCTAssertEqual(seen.type, "unavailable")
      XCTAssertEqual(seen.codes, ["307"])
    }
    XCTAssertEqual(errorCondition(admin(network, alice, "<item nick='Al' role='none'/>")), "not-allowed", "no kicking an owner")
    XCTAssertEqual(errorCondition(admin(network, alice, "<item nick='Bee' role='visitor'/>")), "not-allowed")
  }

  func testABanSendsTheUserOutWith301AndKeepsThemOut() throws {
    let (network, alice, bob, carol) = clubRoom()
    XCTAssertTrue(admin(network, alice, "<item jid='bob@home.lan' affiliation='outcast'/>").contains("type='result'"))
    XCTAssertEqual(network.backend.roomStore.rooms["club"]?.affiliations["bob"], .outcast)
    let banned = try XCTUnwrap(presence(from: "Bee", in: network.take(bob)))
    XCTAssertEqual(Set(banned.codes), ["301", "110"])
    XCTAssertEqual(banned.item?.attribute("affiliation"), "outcast")
    XCTAssertEqual(presence(from: "Bee", in: network.take(carol))?.codes, ["301"])
    network.send(bob, "<presence to='\(club)/Bee'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    XCTAssertEqual(errorCondition(network.take(bob)), "forbidden")
    let outcasts = stanzas(admin(network, alice, "<item affiliation='outcast'/>", type: "get")).first
    XCTAssertEqual(
      outcasts?.child("query", namespace: StanzaNamespace.mucAdmin)?.elements.map { $0.attribute("jid") }, ["bob@home.lan"])
  }

  func testAnOwnerGrantsAdminWhichEveryoneSeesAndAnAdminMayNotTouchOwnersOrAdmins() throws {
    let (network, alice, bob, carol) = clubRoom()
    XCTAssertTrue(admin(network, alice, "<item nick='Cee' affiliation='admin'/>").contains("type='result'"))
    let own = try XCTUnwrap(presence(from: "Cee", in: network.take(carol)))
    XCTAssertEqual(own.item?.attribute("affiliation"), "admin")
    XCTAssertEqual(own.item?.attribute("role"), "moderator")
    XCTAssertEqual(own.codes, ["110"])
    XCTAssertEqual(presence(from: "Cee", in: network.take(bob))?.item?.attribute("affiliation"), "admin")
    XCTAssertEqual(errorCondition(admin(network, carol, "<item jid='bob@home.lan' affiliation='owner'/>")), "not-allowed")
    XCTAssertEqual(errorCondition(admin(network, carol, "<item jid='alice@home.lan' affiliation='none'/>")), "not-allowed")
    XCTAssertTrue(admin(network, carol, "<item jid='dave@home.lan' affiliation='member'/>").contains("type='result'"))
    XCTAssertEqual(errorCondition(admin(network, carol, "<item affiliation='owner'/>", type: "get")), "forbidden")
    let admins = stanzas(admin(network, alice, "<item affiliation='admin'/>", type: "get")).first
    XCTAssertEqual(
      admins?.child("query", namespace: StanzaNamespace.mucAdmin)?.elements.map { $0.attribute("jid") }, ["carol@home.lan"])
    XCTAssertEqual(
      errorCondition(admin(network, alice, "<item jid='alice@home.lan' affiliation='admin'/>")), "conflict",
      "the room keeps an owner")
    XCTAssertEqual(errorCondition(admin(network, bob, "<item jid='dave@home.lan' affiliation='member'/>")), "forbidden")
  }

  func testMakingTheRoomMembersOnlySendsOutNonMembersWith322AndRevokingAMembership321() throws {
    let (network, alice, bob, carol) = clubRoom()
    network.send(
      alice,
      "<iq type='set' id='c' to='\(club)'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
        + "<field var='muc#roomconfig_membersonly'><value>1</value></field></x></query></iq>")
    _ = network.take(alice)
    XCTAssertEqual(Set(presence(from: "Bee", in: network.take(bob))?.codes ?? []), ["322", "110"])
    XCTAssertEqual(presence(from: "Bee", in: network.take(carol))?.codes, ["322"], "carol, a member, stays and sees it")
    XCTAssertTrue(admin(network, alice, "<item jid='carol@home.lan' affiliation='none'/>").contains("type='result'"))
    XCTAssertEqual(Set(presence(from: "Cee", in: network.take(carol))?.codes ?? []), ["321", "110"])
  }

  func testAnOwnerDestroysTheirRoomButNotTheRoomForEveryone() throws {
    let (network, alice, bob, _) = clubRoom()
    network.send(
      bob, "<iq type='set' id='d' to='\(club)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>")
    XCTAssertEqual(errorCondition(network.take(bob)), "forbidden")
    network.send(
      alice, "<iq type='set' id='d' to='\(club)'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>")
    let output = network.take(alice)
    XCTAssertTrue(output.contains("type='result'"), output)
    XCTAssertNil(network.backend.roomStore.rooms["club"])
    let gone = stanzas(network.take(bob)).first { $0.attribute("from") == "\(club)/Bee" }
    XCTAssertNotNil(gone?.child("x", namespace: StanzaNamespace.mucUser)?.child("destroy"), "the occupants are let go")
    network.backend.roomStore.rooms["everyone"]?.affiliations["alice"] = .owner
    network.send(
      alice,
      "<iq type='set' id='e' to='everyone@conference.home.lan'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>")
    XCTAssertEqual(errorCondition(network.take(alice)), "not-allowed")
  }
}
