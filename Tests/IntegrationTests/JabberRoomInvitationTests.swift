import Foundation
import TestSupport
import XCTest

/// Room invitations under a real openbsd-inetd against slixmpp's xep_0045 and xep_0249
/// plugins (jabber_client.py's `invitations` scenario): mediated through a members-only room
/// by its owner, to both of the invitee's resources, one joining and one declining; direct
/// from another user, to both resources.
final class JabberRoomInvitationTests: XCTestCase {
  func testAnOwnersInvitationReachesBothDevicesLetsTheInviteeInAndADeclineComesBack() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1", "carol": "c1"])
    addTeardownBlock { server.stop() }
    try server.slugctl("jabber", "room", "add", "staff", "--members-only", "--owner", "alice")
    let report = try server.client("invitations", "alice:a1", "bob:b1", "carol:c1", "staff")
    XCTAssertEqual(report["owner_join"] as? [Int], [100, 110], "\(report)")
    XCTAssertEqual(report["got_all"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["errors"] as? [String], [], "\(report)")
    let mediated = try XCTUnwrap(report["mediated"] as? [String: [[String]]], "\(report)")
    for resource in ["laptop", "phone"] {
      XCTAssertEqual(mediated[resource], [["staff@conference.localhost", "alice@localhost/test", "come in"]], "\(report)")
    }
    XCTAssertEqual(report["laptop_join"] as? [Int], [100, 110], "the invitee became a member: \(report)")
    XCTAssertEqual(report["declines"] as? [[String]], [["staff@conference.localhost", "bob@localhost"]], "\(report)")
    let direct = try XCTUnwrap(report["direct"] as? [String: [[String]]], "\(report)")
    for resource in ["laptop", "phone"] {
      XCTAssertEqual(direct[resource], [["carol@localhost/test", "staff@conference.localhost"]], "\(report)")
    }
  }
}
