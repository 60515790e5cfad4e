import Foundation
import TestSupport
import XCTest

/// A room's archive (XEP-0313 §5, XEP-0059, XEP-0359) under a real openbsd-inetd, against
/// slixmpp's xep_0045, xep_0313 and xep_0059 plugins (jabber_client.py's `room-archive`
/// scenarios): alice says 25 things in a room bob is in, then bob pages the room's archive.
final class JabberRoomArchiveTests: XCTestCase {
  func testTwentyFiveRoomMessagesComeBackWithTheStanzaIDsTheOccupantsGotInPagesOfTenAndByDate() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("room-archive", "alice:a1", "bob:b1", "25", "everyone")
    let delivered = try XCTUnwrap(report["delivered"] as? [[Any]], "\(report)")
    XCTAssertEqual(delivered.map { $0.first as? String }, (0..<25).map { "message \($0)" }, "\(report)")
    let stanzaIDs = try delivered.map { message in
      let ids = try XCTUnwrap(message.last as? [[String]], "\(message)")
      XCTAssertEqual(ids.map { $0.first }, ["everyone@conference.localhost"], "by the room: \(message)")
      return ids.first?.last ?? ""
    }
    XCTAssertEqual(Set(stanzaIDs).count, 25)

    try ArchiveReport.assertPagedAndDated(report, stanzaIDs: stanzaIDs)
    XCTAssertEqual(report["by_nick"] as? Int, 25, "\(report)")
    XCTAssertEqual(report["by_other"] as? Int, 0, "\(report)")
  }

  func testAMembersOnlyRoomsArchiveIsForbiddenToOthers() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    try server.slugctl("jabber", "room", "add", "staff", "--members-only", "--member", "alice")
    XCTAssertEqual(try server.client("room-archive-refused", "bob:b1", "staff")["outcome"] as? String, "forbidden")
    XCTAssertEqual(try server.client("room-archive-refused", "alice:a1", "staff")["outcome"] as? String, "ok")
  }
}
