import Foundation
import TestSupport
import XCTest

/// muc#admin and muc#owner (XEP-0045 §8-§10) under a real openbsd-inetd, one in.jabberd
/// process per client, against slixmpp's xep_0045 plugin (jabber_client.py's `room-admin`
/// scenario): the owner kicks, bans, lists, grants and destroys; the others see each step
/// with its status codes.
final class JabberRoomAdminTests: XCTestCase {
  func testAnOwnerKicksBansGrantsAndDestroysAcrossProcesses() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1", "carol": "c1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("room-admin", "alice:a1", "bob:b1", "carol:c1", "club")
    XCTAssertEqual(report["joins"] as? [[Int]], [[100, 110, 201], [100, 110], [100, 110]], "\(report)")
    for step in ["kick", "ban", "grant", "destroy"] { XCTAssertEqual(report[step] as? String, "ok", "\(step): \(report)") }
    XCTAssertEqual(report["rejoin"] as? [Int], [100, 110], "a kick is no ban: \(report)")
    XCTAssertEqual(report["banned_join"] as? String, "forbidden", "\(report)")
    XCTAssertEqual(report["outcasts"] as? [String], ["carol@localhost"], "\(report)")
    XCTAssertEqual(report["admins"] as? [String], ["bob@localhost"], "\(report)")
    let shown = try XCTUnwrap(report["shown"] as? [String: [[Any]]], "\(report)")
    let bob = try XCTUnwrap(shown["bob"], "\(report)")
    XCTAssertTrue(
      bob.contains { $0[0] as? String == "unavailable" && ($0[1] as? [Int]) == [110, 307] }, "bob kicked: \(bob)")
    XCTAssertTrue(bob.contains { ($0[2] as? [String]) == ["admin"] && $0[0] as? String != "unavailable" }, "bob an admin: \(bob)")
    XCTAssertTrue(bob.contains { $0[3] as? Bool == true }, "bob let go when the room went: \(bob)")
    let carol = try XCTUnwrap(shown["carol"], "\(report)")
    XCTAssertTrue(
      carol.contains { $0[0] as? String == "unavailable" && ($0[1] as? [Int]) == [110, 301] && ($0[2] as? [String]) == ["outcast"] },
      "carol banned: \(carol)")
    let listing = try ChildProcess.run(server.prefix + "/sbin/slugctl", ["jabber", "room", "list", "--json", "--db", server.database])
    let rooms = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [[String: Any]])
    XCTAssertEqual(rooms.map { $0["name"] as? String }, ["everyone"], "destroyed: \(listing.output)")
  }

  /// Two clients in two processes take one nick at once: one holds it, the other is told
  /// `conflict` (at its join, or once the crossing joins are seen), and a third sees one sam.
  func testTwoJoinsTakingOneNickAtOnceLeaveOneSamAndOneConflict() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1", "carol": "c1"])
    addTeardownBlock { server.stop() }
    for _ in 0..<3 {
      let report = try server.client("nick-clash", "carol:c1", "alice:a1", "bob:b1")
      let conflicts = try XCTUnwrap(report["conflicts"] as? [[String]], "\(report)")
      XCTAssertEqual(conflicts.count, 1, "\(report)")
      XCTAssertEqual(conflicts.first?.last, "conflict", "\(report)")
      let loser = conflicts.first?.first
      XCTAssertEqual(report["sam"] as? String, loser == "alice" ? "bob" : "alice", "\(report)")
    }
  }
}
