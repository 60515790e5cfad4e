import XCTest

/// PEP (XEP-0163) under a real openbsd-inetd, one in.jabberd process per client, with real
/// slixmpp clients (xep_0060, xep_0084, xep_0115, xep_0163) driven by jabber_client.py: what
/// end-to-end encryption (OMEMO, XEP-0384), avatars (XEP-0084) and bookmarks (XEP-0402) need.
final class JabberPEPTests: XCTestCase {
  func testAnOMEMODeviceListAndBundlePublishedWithOptionsAreNotifiedAndFetchedByAnotherUser() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("omemo", "alice:a1", "bob:b1")
    XCTAssertEqual(report["published"] as? [String], ["ok", "ok"], "\(report)")
    XCTAssertEqual(report["notified"] as? Bool, true, "bob's process learnt his +notify from his caps: \(report)")
    let events = try XCTUnwrap(report["events"] as? [[Any]], "\(report)")
    XCTAssertEqual(events.first?[0] as? String, "alice@localhost", "\(report)")
    XCTAssertEqual(events.first?[1] as? String, "eu.siacs.conversations.axolotl.devicelist", "\(report)")
    XCTAssertEqual(events.count, 1, "no notification of the bundle node, which bob did not ask for: \(report)")
    XCTAssertEqual(report["devices"] as? [String], ["4711"], "\(report)")
    XCTAssertEqual(report["bundle_identity"] as? [String], ["BBBB"], "\(report)")
    let features = try XCTUnwrap(report["features"] as? [String], "\(report)")
    XCTAssertTrue(features.contains("http://jabber.org/protocol/pubsub#publish-options"), "\(features)")
    XCTAssertTrue(features.contains("urn:xmpp:bookmarks:1#compat"), "\(features)")
    XCTAssertTrue((report["identities"] as? [[String]])?.contains(["pubsub", "pep"]) == true, "\(report)")
  }

  func testAnAvatarReachesAUserWhoLogsInAfterThePublisherLoggedOut() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("avatar", "alice:a1", "bob:b1")
    XCTAssertEqual(report["published"] as? [String], ["ok", "ok"], "\(report)")
    XCTAssertEqual(report["notified"] as? Bool, true, "the last item, from the store: \(report)")
    let events = try XCTUnwrap(report["events"] as? [[Any]], "\(report)")
    XCTAssertEqual(events.first?[0] as? String, "alice@localhost", "\(report)")
    XCTAssertEqual(events.first?[1] as? String, "urn:xmpp:avatar:metadata", "\(report)")
    XCTAssertEqual(events.first?[2] as? [String], [report["avatar_id"] as? String ?? "?"], "\(report)")
    XCTAssertNotNil(events.first?[3] as? String, "a last item carries its publish time (XEP-0203): \(report)")
    XCTAssertEqual(report["data_matches"] as? Bool, true, "\(report)")
  }

  func testABookmarkIsStoredWithItsOptionsContradictingOptionsAreRefusedAndOthersCannotReadIt() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("bookmarks", "alice:a1", "bob:b1")
    XCTAssertEqual(report["first"] as? String, "ok", "\(report)")
    XCTAssertEqual(report["second"] as? String, "conflict precondition-not-met", "\(report)")
    XCTAssertEqual(report["own_items"] as? [String], ["everyone@rooms.localhost"], "\(report)")
    XCTAssertEqual(report["legacy"] as? [String], ["everyone@rooms.localhost"], "XEP-0048 in private XML: \(report)")
    XCTAssertEqual(report["other_reads"] as? String, "not-allowed closed-node", "\(report)")
  }
}
