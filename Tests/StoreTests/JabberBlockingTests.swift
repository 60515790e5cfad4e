import XCTest

@testable import Store

/// Block lists (XEP-0191, Store+JabberBlocking.swift).
final class JabberBlockingTests: StoreTestCase {
  func testAListKeepsItsOrderIgnoresRepeatsAndIsClearedOrTrimmed() throws {
    let store = try openStore()
    for name in ["alice", "bob"] { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    try store.block(["bob@home.lan", "spam.example"], for: "Alice")
    try store.block(["bob@home.lan", "carol@home.lan/phone"], for: "alice")
    XCTAssertEqual(try store.blockedJIDs(of: "alice"), ["bob@home.lan", "spam.example", "carol@home.lan/phone"])
    XCTAssertEqual(try store.blockedJIDs(of: "bob"), [])
    try store.unblock(["spam.example"], for: "alice")
    XCTAssertEqual(try store.blockedJIDs(of: "alice"), ["bob@home.lan", "carol@home.lan/phone"])
    try store.unblock([], for: "alice")
    XCTAssertEqual(try store.blockedJIDs(of: "alice"), [], "an empty unblock clears the list")
  }

  func testTheLimitRefusesTheWholeBlockAndAnUnknownUserHasNoList() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    try store.block((1..<Store.maximumBlockedJIDs).map { "u\($0)@home.lan" }, for: "alice")
    XCTAssertThrowsError(try store.block(["x@home.lan", "y@home.lan"], for: "alice")) { error in
      guard case StoreError.invalid = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(try store.blockedJIDs(of: "alice").count, Store.maximumBlockedJIDs - 1, "all or none")
    XCTAssertThrowsError(try store.block(["x@home.lan"], for: "nobody"))
  }

  func testRemovingTheAccountRemovesItsList() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    try store.block(["bob@home.lan"], for: "alice")
    try store.removeJabberUser(named: "alice")
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    XCTAssertEqual(try store.blockedJIDs(of: "alice"), [])
  }
}
