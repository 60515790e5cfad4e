import XCTest

@testable import XMPP

/// XEP-0045 §10.2 and §7.2.6: an owner protects a room with a password; a join without it is
/// not-authorized; disco#info and invitations say so.
final class SessionRoomPasswordTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]
  let club = "club@conference.home.lan"

  func configure(_ network: SessionNetwork, _ client: Int, _ fields: String) -> String {
    network.send(
      client,
      "<iq type='set' id='c' to='\(club)'><query xmlns='http://jabber.org/protocol/muc#owner'>"
        + "<x xmlns='jabber:x:data' type='submit'>\(fields)</x></query></iq>")
    return network.take(client)
  }

  func join(_ network: SessionNetwork, _ client: Int, _ nick: String, password: String? = nil) -> String {
    network.send(
      client,
      "<presence to='\(club)/\(nick)'><x xmlns='http://jabber.org/protocol/muc'>"
        + (password.map { "<password>\($0)</password>" } ?? "") + "</x></presence>")
    return network.take(client)
  }

  func testAPasswordProtectedRoomLetsInOnlyWhoGivesItsPassword() throws {
    let network = SessionNetwork(users: users)
    network.backend.roomStore.rooms["club"] = SessionRoom(name: "club", affiliations: ["alice": .owner])
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    _ = network.take(alice)
    _ = network.take(bob)
    XCTAssertTrue(
      configure(network, alice, "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>").contains("not-acceptable"),
      "protected needs a password")
    let done = configure(
      network, alice,
      "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>"
        + "<field var='muc#roomconfig_roomsecret'><value>s3cret</value></field>")
    XCTAssertTrue(done.contains("type='result'"), done)
    XCTAssertEqual(network.backend.roomStore.rooms["club"]?.password, "s3cret")
    XCTAssertTrue(join(network, bob, "Bee").contains("<not-authorized"))
    XCTAssertTrue(join(network, bob, "Bee", password: "wrong").contains("<not-authorized"))
    XCTAssertTrue(join(network, bob, "Bee", password: "s3cret").contains("<status code='110'/>"))
    network.send(bob, "<iq type='get' id='i' to='\(club)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
    XCTAssertTrue(network.take(bob).contains("<feature var='muc_passwordprotected'/>"))
    XCTAssertTrue(join(network, alice, "Al", password: "s3cret").contains("<status code='110'/>"))
    network.send(
      alice, "<message to='\(club)'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@home.lan'/></x></message>")
    XCTAssertTrue(network.take(bob).contains("<password>s3cret</password>"), "the invitation carries it")
    _ = configure(network, alice, "<field var='muc#roomconfig_passwordprotectedroom'><value>0</value></field>")
    XCTAssertEqual(network.backend.roomStore.rooms["club"]?.password, "")
  }
}
