import XCTest

@testable import Store

final class JabberUserTests: StoreTestCase {
  func testUsersAreListedByNameAndFoundWithoutRegardToCase() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "bob", password: "b0b"))
    try store.addJabberUser(JabberUser(name: "Alice", password: "secret"))
    XCTAssertEqual(
      try store.jabberUsers(),
      [JabberUser(name: "Alice", password: "secret"), JabberUser(name: "bob", password: "b0b")])
    XCTAssertEqual(try store.jabberUser(named: "ALICE"), JabberUser(name: "Alice", password: "secret"))
    XCTAssertNil(try store.jabberUser(named: "carol"))
  }

  func testANameDifferingOnlyInCaseIsADuplicate() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "Alice", password: "one"))
    assertThrows(.duplicate("jabber user 'Alice' already exists")) { () throws(StoreError) in
      try store.addJabberUser(JabberUser(name: "alice", password: "two"))
    }
    XCTAssertEqual(try store.jabberUsers().count, 1)
  }

  func testInvalidNamesAndPasswordsAreRefusedWithoutEchoingThePassword() throws {
    let store = try openStore()
    do {
      try store.addJabberUser(JabberUser(name: "a b", password: "x"))
      XCTFail("accepted a name with a space")
    } catch {
      guard case .invalid(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("'a b'"), message)
    }
    do {
      try store.addJabberUser(JabberUser(name: "alice", password: "two words"))
      XCTFail("accepted a password with a space")
    } catch {
      guard case .invalid(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("'alice'"), message)
      XCTAssertFalse(message.contains("two words"), message)
    }
    XCTAssertEqual(try store.jabberUsers(), [])
  }

  func testSetPasswordChangesOnlyThatUser() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "old"))
    try store.addJabberUser(JabberUser(name: "bob", password: "bobs"))
    try store.setJabberPassword(name: "ALICE", password: "new")
    XCTAssertEqual(
      try store.jabberUsers(),
      [JabberUser(name: "alice", password: "new"), JabberUser(name: "bob", password: "bobs")])
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.setJabberPassword(name: "carol", password: "x")
    }
  }

  func testRemoveDeletesTheUserOrReportsNotFound() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    try store.removeJabberUser(named: "Alice")
    XCTAssertEqual(try store.jabberUsers(), [])
    assertThrows(.notFound("no jabber user 'alice'")) { () throws(StoreError) in
      try store.removeJabberUser(named: "alice")
    }
  }
}
