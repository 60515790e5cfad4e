import Foundation
import TestSupport
import XCTest

/// The message archive (XEP-0313, XEP-0059, XEP-0359) under a real openbsd-inetd, against
/// slixmpp's xep_0313 and xep_0059 plugins (jabber_client.py's `archive` scenario): alice sends
/// bob 20 messages, bob answers with 5, then bob pages his archive.
final class JabberArchiveTests: XCTestCase {
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

    let dated = try ArchiveReport.assertPagedAndDated(report, stanzaIDs: stanzaIDs)
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
    XCTAssertEqual(ArchiveReport.entries(report["pages"])?.count, 0, "\(report)")
  }
}

/// What jabber_client.py's archive scenarios (`archive`, `room-archive`) report of 25 messages
/// "message 0" to "message 24": the archive paged by 10 (`pages`) and queried from the 6th's
/// stamp to the 15th's (`dated`).
enum ArchiveReport {
  /// Pages of entries as the scenario reports them, each entry id, body, stamp (ms).
  static func entries(_ pages: Any?) -> [[[Any]]]? { pages as? [[[Any]]] }

  /// Checks the pages (10, 10, 5: every message in order with the stanza-id its recipient got)
  /// and the dated query (exactly the entries stamped between the 6th and the 15th, at least
  /// 10); returns the dated query's pages.
  @discardableResult
  static func assertPagedAndDated(
    _ report: [String: Any], stanzaIDs: [String], file: StaticString = #filePath, line: UInt = #line
  ) throws -> [[[Any]]] {
    let pages = try XCTUnwrap(entries(report["pages"]), "\(report)", file: file, line: line)
    XCTAssertEqual(pages.map { $0.count }, [10, 10, 5], "\(report)", file: file, line: line)
    let archived = pages.flatMap { $0 }
    XCTAssertEqual(archived.map { $0[0] as? String }, stanzaIDs, file: file, line: line)
    XCTAssertEqual(archived.map { $0[1] as? String }, (0..<25).map { "message \($0)" }, file: file, line: line)
    let stamps = archived.map { $0[2] as? Int ?? 0 }
    XCTAssertEqual(stamps, stamps.sorted(), file: file, line: line)

    // start and end are inclusive: the 6th to the 15th message, and any that share their stamps.
    let expected = archived.filter { (stamps[5]...stamps[14]).contains($0[2] as? Int ?? 0) }.map { $0[0] as? String }
    let dated = try XCTUnwrap(entries(report["dated"]), "\(report)", file: file, line: line)
    XCTAssertEqual(dated.flatMap { $0 }.map { $0[0] as? String }, expected, file: file, line: line)
    XCTAssertGreaterThanOrEqual(expected.count, 10, file: file, line: line)
    return dated
  }
}
