import Foundation
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

  func testTheStreamFeaturesAfterLoginCarryTheServersCapsWhichDiscoOfItsNodeConfirms() throws {
    let network = SessionNetwork(users: users)
    let alice = network.connect()
    network.send(alice, SessionNetwork.header)
    network.send(alice, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAGE=</auth>")
    _ = network.take(alice)
    network.send(alice, SessionNetwork.header)
    let restarted = network.take(alice)
    let features = try XCTUnwrap(restarted.range(of: "<stream:features>").map { String(restarted[$0.lowerBound...]) })
    let caps = try XCTUnwrap(stanzas(features).first?.child("c", namespace: EntityCaps.namespace))
    network.send(alice, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    _ = network.take(alice)
    let node = try XCTUnwrap(caps.attribute("node"))
    let ver = try XCTUnwrap(caps.attribute("ver"))
    network.send(alice, "<iq type='get' id='c' to='home.lan'><query xmlns='http://jabber.org/protocol/disco#info' node='\(node)#\(ver)'/></iq>")
    let info = try XCTUnwrap(stanzas(network.take(alice)).first?.child("query"))
    XCTAssertEqual(info.attribute("node"), node + "#" + ver, "XEP-0115 §6.2: the node is echoed")
    XCTAssertEqual(EntityCaps.ver(of: info), ver, "the features hashed are the ones disco answers")
    XCTAssertTrue(info.elements.contains { $0.attribute("var") == "urn:xmpp:blocking" })
  }
}
