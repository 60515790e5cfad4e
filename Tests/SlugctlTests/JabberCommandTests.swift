import Glibc
import Runtime
import Store
import TestSupport
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

/// adduser, deluser, passwd and a jabberd-conf import tell the in.jabberd processes on the same
/// store (members of its mesh) that the users changed.
final class JabberNotificationTests: StoreCommandTestCase {
  private func meshOfTheStore() throws -> MeshListener { try meshMember() }

  func testAccountChangesNotifyTheSessionsOfTheStore() throws {
    let mesh = try meshOfTheStore()
    succeed("jabber", "adduser", "bob", "--password", "pw")
    XCTAssertEqual(notifications(mesh), ["users-changed"])
    succeed("jabber", "passwd", "bob", "--password", "new")
    XCTAssertEqual(notifications(mesh), ["users-changed"])
    succeed("jabber", "deluser", "bob")
    XCTAssertEqual(notifications(mesh), ["users-changed"])
  }

  func testAFailedChangeNotifiesNoOne() throws {
    let mesh = try meshOfTheStore()
    fail(65, "jabber", "deluser", "nobody")
    XCTAssertEqual(notifications(mesh), [])
  }

  func testAnImportOfJabberUsersNotifies() throws {
    let mesh = try meshOfTheStore()
    let file = try directory.write("alice:secret\n", to: "in.jabberd.conf")
    succeed("import", "in.jabberd.conf", file)
    XCTAssertEqual(notifications(mesh), ["users-changed"])
    succeed("import", "in.jabberd.conf", file)
    XCTAssertEqual(notifications(mesh), [])
  }

  func testSessionsOfAnotherStoreAreNotTold() throws {
    let mesh = try meshMember(of: directory.path + "/other.db")
    succeed("jabber", "adduser", "bob", "--password", "pw")
    XCTAssertEqual(notifications(mesh), [])
  }
}
