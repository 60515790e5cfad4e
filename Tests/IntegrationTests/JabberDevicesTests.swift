import XCTest

/// Several devices of one user under a real openbsd-inetd, with slixmpp's own plugins: XEP-0198
/// resumption after the serving process is killed with SIGKILL mid-conversation (a new
/// connection, so a new process, takes the stream over), XEP-0280 carbons, XEP-0352.
final class JabberDevicesTests: XCTestCase {
  func testAStreamResumedAfterItsProcessWasKilledLosesAndRepeatsNothing() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let count = 60
    let report = try server.client("resume", "alice:a1", "bob:b1", "\(count)")
    XCTAssertNotNil(report["killed"] as? Int, "\(report)")
    XCTAssertEqual(report["resumed"] as? Bool, true, "resumed, not a fresh login: \(report)")
    XCTAssertEqual(report["same_stream"] as? Bool, true, "\(report)")
    let phone = try XCTUnwrap(report["phone"] as? [String], "\(report)")
    let other = try XCTUnwrap(report["other"] as? [String], "\(report)")
    XCTAssertEqual(phone.sorted(), (1...count).map { "to phone \($0)" }.sorted(), "each exactly once: \(phone)")
    XCTAssertEqual(other.sorted(), (1...count).map { "from phone \($0)" }.sorted(), "each exactly once: \(other)")
  }

  func testCarbonsReachTheOtherDeviceAndAnInactivePhoneGetsPresenceWhenActive() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("devices", "alice:a1", "bob:b1")
    let carbons = try XCTUnwrap(report["carbons"] as? [[String]], "\(report)")
    XCTAssertEqual(
      carbons,
      [["received", "bob@localhost/desk", "to the laptop"], ["sent", "bob@localhost", "from the laptop"]], "\(report)")
    XCTAssertEqual(report["laptop"] as? [String], ["to the laptop"], "\(report)")
    XCTAssertEqual(report["phone"] as? [String], ["while inactive"], "messages still arrive at once: \(report)")
    XCTAssertEqual(report["show_while_inactive"] as? String, "", "bob's away held back: \(report)")
    XCTAssertEqual(report["show_after"] as? String, "away", "\(report)")
  }
}
