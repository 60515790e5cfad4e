import XCTest

/// Items of the XMPP Compliance Suites 2023 (XEP-0479) under a real openbsd-inetd, one
/// in.jabberd process per client, with slixmpp's own plugins: blocking (xep_0191: the list is
/// kept and pushed to both of the blocker's devices, each process stops what the blocked user
/// sends) and vcard-temp (xep_0054).
final class JabberComplianceTests: XCTestCase {
  func testABlockedUserCannotReachEitherDeviceNorSeeThePresenceUntilUnblocked() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("blocking", "alice:a1", "bob:b1")
    XCTAssertEqual(report["pushes"] as? [String: [[String]]], ["laptop": [["bob@localhost"]], "phone": [["bob@localhost"]]], "\(report)")
    XCTAssertEqual(report["listed"] as? [String], ["bob@localhost"], "\(report)")
    XCTAssertEqual(report["hidden"] as? Bool, true, "bob saw alice go: \(report)")
    XCTAssertEqual(report["errors"] as? [String], ["service-unavailable"], "\(report)")
    XCTAssertEqual(
      report["refusals"] as? [[String]], [["not-acceptable", "{urn:xmpp:blocking:errors}blocked"]], "\(report)")
    XCTAssertEqual(report["received_while_blocked"] as? [String], [], "\(report)")
    XCTAssertEqual(report["back"] as? Bool, true, "alice's presence again: \(report)")
    XCTAssertEqual(report["after"] as? [String], ["hello again"], "\(report)")
  }

  func testAVCardSetByOneUserIsReadByAnotherAfterTheOwnerLeft() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("vcard", "alice:a1", "bob:b1")
    XCTAssertEqual(report["published"] as? String, "ok", "\(report)")
    XCTAssertEqual(report["name"] as? String, "Alice Liddell", "\(report)")
    XCTAssertEqual(report["nickname"] as? [String], ["alice"], "\(report)")
  }
}
