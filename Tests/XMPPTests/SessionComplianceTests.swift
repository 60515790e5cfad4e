import XCTest

@testable import XMPP

/// Items of the XMPP Compliance Suites 2023 (XEP-0479) that no other test pins: the room's
/// self-ping (XEP-0410) and a direct room invitation (XEP-0249) carried like any message.
final class SessionComplianceTests: XCTestCase {
  let users = [("alice", "a"), ("bob", "b")]
  let room = "everyone@conference.home.lan"

  func testASelfPingIsAnsweredWhileJoinedAndNotAcceptableOnceGone() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    network.send(alice, "<presence to='\(room)/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>")
    _ = network.take(alice)
    func ping() -> XMLElement? {
      network.send(alice, "<iq type='get' id='p' to='\(room)/alice'><ping xmlns='urn:xmpp:ping'/></iq>")
      return stanzas(network.take(alice)).first
    }
    XCTAssertEqual(ping()?.attribute("type"), "result", "still in the room")
    network.send(alice, "<presence to='\(room)/alice' type='unavailable'/>")
    _ = network.take(alice)
    let gone = try XCTUnwrap(ping())
    XCTAssertEqual(gone.attribute("type"), "error")
    XCTAssertNotNil(gone.child("error")?.child("not-acceptable"), "XEP-0410 §3.2: no longer an occupant")
  }

  func testADirectInvitationReachesTheInvitee() throws {
    let network = SessionNetwork(users: users)
    let alice = network.login("alice", "a")
    let bob = network.login("bob", "b")
    for client in [alice, bob] { _ = network.take(client) }
    network.send(alice, "<message to='bob@home.lan'><x xmlns='jabber:x:conference' jid='\(room)' reason='tea'/></message>")
    let invitation = try XCTUnwrap(stanzas(network.take(bob)).first { $0.name == "message" })
    XCTAssertEqual(invitation.child("x", namespace: "jabber:x:conference")?.attribute("jid"), room)
    XCTAssertEqual(invitation.attribute("from"), "alice@home.lan/laptop")
  }
}
