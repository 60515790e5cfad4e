import Foundation
import TestSupport
import XCTest

/// XEP-0045 rooms under a real openbsd-inetd, one in.jabberd process per client, with
/// slixmpp's xep_0045 plugin (jabber_client.py's `rooms` and `join` scenarios).
final class JabberRoomTests: XCTestCase {
  func testThreeUsersTalkInTheRoomForEveryoneAndALaterOneGetsTheHistory() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1", "carol": "c1", "dave": "d1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("rooms", "dave:d1", "alice:a1", "bob:b1", "carol:c1")
    XCTAssertEqual(report["all_seen"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["all_received"] as? Bool, true, "\(report)")
    let clients = try XCTUnwrap(report["clients"] as? [String: [[String]]], "\(report)")
    for (name, messages) in clients {
      XCTAssertEqual(messages.count, 9, "\(name) gets every message once: \(messages)")
      for sender in ["alice", "bob", "carol"] {
        XCTAssertEqual(
          messages.filter { $0[0] == sender }.map { $0[1] }, (0..<3).map { "\($0) from \(sender)" },
          "\(name) gets \(sender)'s messages in order")
      }
    }
    let late = try XCTUnwrap(report["late"] as? [[Any]], "\(report)")
    XCTAssertEqual(late.count, 9, "\(late)")
    XCTAssertTrue(late.allSatisfy { $0[2] as? Bool == true }, "each with its delay: \(late)")
    XCTAssertEqual(report["late_occupants"] as? [String], ["alice", "bob", "carol", "dave"], "\(report)")
  }

  func testAMembersOnlyRoomRefusesANonMemberAndARoomMadeByJoiningStays() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    try server.slugctl("jabber", "room", "add", "staff", "--members-only", "--member", "alice")
    XCTAssertEqual(try server.client("join", "bob:b1", "staff")["error"] as? String, "registration-required")
    XCTAssertEqual(try server.client("join", "alice:a1", "staff")["codes"] as? [Int], [100, 110])
    XCTAssertEqual(try server.client("join", "bob:b1", "books")["codes"] as? [Int], [100, 110, 201])
    XCTAssertEqual(try server.client("join", "alice:a1", "books")["codes"] as? [Int], [100, 110], "still there, made")
    let listing = try ChildProcess.run(server.prefix + "/sbin/slugctl", ["jabber", "room", "list", "--json", "--db", server.database])
    let rooms = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [[String: Any]])
    XCTAssertEqual(rooms.map { $0["name"] as? String }, ["books", "everyone", "staff"])
    XCTAssertEqual(rooms.first?["owners"] as? [String], ["bob"])
  }
}
