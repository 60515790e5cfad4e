import Foundation
import TestSupport
import XCTest

/// The message archive (XEP-0313, XEP-0059, XEP-0359) under a real openbsd-inetd, against
/// slixmpp's xep_0313 and xep_0059 plugins (jabber_client.py's `archive` scenario): alice sends
/// bob 20 messages, bob answers with 5, then bob pages his archive.
final class JabberArchiveTests: XCTestCase {
  /// One archive entry as the scenario reports it: id, body, stamp (ms).
  private func entries(_ pages: Any?) -> [[[Any]]]? { pages as? [[[Any]]] }

  func testTwentyFiveMessagesComeBackInOrderWithTheirStanzaIDsInPagesOfTenAndByDate() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("archive", "alice:a1", "bob:b1", "25")
    let delivered = try XCTUnwrap(report["delivered"] as? [[Any]], "\(report)")
    XCTAssertEqual(delivered.count, 25, "\(report)")
    var stanzaIDs: [String] = []
    for (number, message) in delivered.enumerated() {
      XCTAssertEqual(message.first as? String, "message \(number)")
      let ids = try XCTUnwrap(message.last as? [[String]], "\(message)")
      // The recipient's archive is the one that names it: bob's for alice's messages.
      XCTAssertEqual(ids.map { $0.first }, [number < 20 ? "bob@localhost" : "alice@localhost"], "\(message)")
      stanzaIDs.append(ids.first?.last ?? "")
    }
    XCTAssertEqual(Set(stanzaIDs).count, 25)

    let pages = try XCTUnwrap(entries(report["pages"]), "\(report)")
    XCTAssertEqual(pages.map { $0.count }, [10, 10, 5], "\(report)")
    let archived = pages.flatMap { $0 }
    XCTAssertEqual(archived.map { $0[0] as? String }, stanzaIDs)
    XCTAssertEqual(archived.map { $0[1] as? String }, (0..<25).map { "message \($0)" })
    let stamps = archived.map { $0[2] as? Int ?? 0 }
    XCTAssertEqual(stamps, stamps.sorted())

    // start and end are inclusive: the 6th to the 15th message, and any that share their stamps.
    let expected = archived.filter { (stamps[5]...stamps[14]).contains($0[2] as? Int ?? 0) }.map { $0[0] as? String }
    let dated = try XCTUnwrap(entries(report["dated"]), "\(report)")
    XCTAssertEqual(dated.flatMap { $0 }.map { $0[0] as? String }, expected)
    XCTAssertGreaterThanOrEqual(expected.count, 10)
    XCTAssertEqual(dated.first?.count, 10)
  }

  func testNothingIsArchivedOrStampedWithARetentionOfZeroDays() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    try server.slugctl("jabber", "archive", "--days", "0")
    let report = try server.client("archive", "alice:a1", "bob:b1", "6")
    let delivered = try XCTUnwrap(report["delivered"] as? [[Any]], "\(report)")
    XCTAssertEqual(delivered.count, 6, "\(report)")
    XCTAssertEqual(delivered.compactMap { ($0.last as? [Any])?.count }, [0, 0, 0, 0, 0, 0], "\(report)")
    XCTAssertEqual(entries(report["pages"])?.count, 0, "\(report)")
  }
}
