import Store
import XCTest

final class JabberCommandTests: StoreCommandTestCase {
  func testAddedUsersAreListedByNameWithoutPasswords() throws {
    succeed("jabber", "adduser", "bob", "--password", "s3cret")
    succeed("jabber", "adduser", "alice", "--password-stdin", input: "fromstdin\n")
    let listing = succeed("jabber", "list")
    XCTAssertEqual(listing, "NAME\nalice\nbob\n")
    XCTAssertEqual(try jsonList("jabber", "list").map { $0["name"] as? String }, ["alice", "bob"])
    XCTAssertEqual(try openStore().jabberUser(named: "alice")?.password, "fromstdin")
  }

  func testPasswdChangesThePassword() throws {
    succeed("jabber", "adduser", "bob", "--password", "old")
    succeed("jabber", "passwd", "bob", "--password-stdin", input: "new\r\n")
    XCTAssertEqual(try openStore().jabberUser(named: "bob")?.password, "new")
  }

  func testDeluserRemovesTheUserAndRefusesAnUnknownOne() throws {
    succeed("jabber", "adduser", "bob", "--password", "pw")
    succeed("jabber", "deluser", "bob")
    XCTAssertEqual(try jsonList("jabber", "list").count, 0)
    XCTAssertTrue(fail(65, "jabber", "deluser", "bob").contains("bob"))
  }

  func testDuplicateNamesAreRefusedWhateverTheirCase() {
    succeed("jabber", "adduser", "bob", "--password", "pw")
    XCTAssertTrue(fail(65, "jabber", "adduser", "BOB", "--password", "pw").contains("bob"))
  }

  func testInvalidNamesAndPasswordsAreRefusedNamingThem() {
    XCTAssertTrue(fail(65, "jabber", "adduser", "bob@home", "--password", "pw").contains("bob@home"))
    fail(65, "jabber", "adduser", "carol", "--password-stdin", input: "two words\n")
  }

  func testExactlyOnePasswordSourceIsRequired() {
    fail(64, "jabber", "adduser", "bob")
    fail(64, "jabber", "adduser", "bob", "--password", "pw", "--password-stdin")
    fail(64, "jabber", "passwd", "bob")
  }
}
