import Foundation
import Glibc
import Runtime
import TestSupport
import XCTest

@testable import Store
@testable import SlugctlKit

final class JabberCommandTests: StoreCommandTestCase {
  func testAddedUsersAreListedByNameWithoutPasswords() throws {
    succeed("jabber", "adduser", "bob", "--password", "s3cret")
    succeed("jabber", "adduser", "alice", "--password-stdin", input: "fromstdin\n")
    succeed("jabber", "adduser", "carol", "--password", "c4rol", "--legacy")
    let listing = succeed("jabber", "list")
    XCTAssertEqual(listing, "NAME   LEGACY\nalice  no\nbob    no\ncarol  yes\n")
    XCTAssertEqual(try jsonList("jabber", "list").map { $0["name"] as? String }, ["alice", "bob", "carol"])
    XCTAssertEqual(try jsonList("jabber", "list").map { $0["legacy"] as? Bool }, [false, false, true])
    let alice = try XCTUnwrap(try openStore().jabberAccount(named: "alice"))
    XCTAssertTrue(JabberPasswords.matches(alice, "fromstdin"))
    XCTAssertNil(alice.legacyPassword)
    XCTAssertEqual(alice.sha1.iterations, 4096)
    XCTAssertEqual(alice.sha256.iterations, 4096)
    XCTAssertEqual(try openStore().jabberAccount(named: "carol")?.legacyPassword, "c4rol")
  }

  func testArchiveShowsSetsAndResetsTheRetention() throws {
    XCTAssertEqual(succeed("jabber", "archive"), "365 days\n")
    succeed("jabber", "archive", "--days", "30")
    XCTAssertEqual(try openStore().jabberArchiveDays(), 30)
    succeed("jabber", "adduser", "alice", "--password", "a")
    succeed("jabber", "adduser", "bob", "--password", "b")
    let store = try openStore()
    try store.transaction { () throws(StoreError) in
      for number in 0..<1500 {
        try store.archiveJabberMessage(
          JabberArchivedMessage(
            uid: "u\(number)", stamp: Int64(number), sender: "alice", senderResource: "r", recipient: "bob",
            stanza: "<message/>"))
      }
    }
    succeed("jabber", "archive", "--days", "0")
    XCTAssertEqual(succeed("jabber", "archive"), "0 days: messages are not archived\n")
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_archive") { $0.int(0) }, 0, "all deleted at once")
    succeed("jabber", "archive", "--default")
    XCTAssertEqual(try openStore().jabberArchiveDays(), 365)
    XCTAssertTrue(fail(64, "jabber", "archive", "--days", "-1").contains("--days"))
    XCTAssertTrue(fail(64, "jabber", "archive", "--days", "lots").contains("'lots'"))
    fail(64, "jabber", "archive", "--days", "3", "--default")
  }

  func testPasswdChangesThePasswordAndKeepsOrChangesTheLegacyMark() throws {
    succeed("jabber", "adduser", "bob", "--password", "old")
    succeed("jabber", "passwd", "bob", "--password-stdin", input: "new\r\n")
    var bob = try XCTUnwrap(try openStore().jabberAccount(named: "bob"))
    XCTAssertTrue(JabberPasswords.matches(bob, "new"))
    XCTAssertFalse(JabberPasswords.matches(bob, "old"))
    XCTAssertNil(bob.legacyPassword)
    succeed("jabber", "passwd", "bob", "--password", "newer", "--legacy")
    XCTAssertEqual(try openStore().jabberAccount(named: "bob")?.legacyPassword, "newer")
    succeed("jabber", "passwd", "bob", "--password", "newest")
    XCTAssertEqual(try openStore().jabberAccount(named: "bob")?.legacyPassword, "newest", "still legacy")
    succeed("jabber", "passwd", "bob", "--no-legacy")
    bob = try XCTUnwrap(try openStore().jabberAccount(named: "bob"))
    XCTAssertNil(bob.legacyPassword)
    XCTAssertTrue(JabberPasswords.matches(bob, "newest"), "the hashes stay")
    fail(64, "jabber", "passwd", "bob", "--legacy")
    XCTAssertTrue(fail(65, "jabber", "passwd", "nobody", "--no-legacy").contains("nobody"))
  }

  /// Issue 18: the store held every password in clear. Passwords set by adduser, passwd and
  /// import, and those of a store from before hashing (migrated by slugctl), are in neither
  /// the database file, its WAL nor an export; only a legacy account's is kept.
  func testPasswordsAppearNowhereInTheStoreItsWALOrAnExport() throws {
    let secrets = ["first-Secret-7Qx", "second-Secret-9Wz", "third-Secret-2Lm", "fourth-Secret-5Rt"]
    // A store of schema 7, as main wrote it, with a plaintext user.
    do {
      let old = try Store(path: database, migratingTo: 7)
      try old.database.run("INSERT INTO jabber_users (name, password) VALUES ('dave', ?)", .text(secrets[3]))
    }
    XCTAssertTrue(try bytes(of: [database, database + "-wal"], contain: secrets[3]), "the premise: plaintext before")
    succeed("jabber", "adduser", "alice", "--password", secrets[0])
    succeed("jabber", "adduser", "bob", "--password-stdin", input: "bobs-old-password\n")
    succeed("jabber", "passwd", "bob", "--password", secrets[1])
    let file = try directory.write("carol : \(secrets[2])\n", to: "in.jabberd.conf")
    succeed("import", "in.jabberd.conf", file)
    succeed("jabber", "adduser", "erin", "--password", "erins-legacy-pw", "--legacy")
    let exported = succeed("export", "in.jabberd.conf", "--skip-hashed")
    XCTAssertEqual(exported, "erin : erins-legacy-pw\n")
    let store = try openStore()
    XCTAssertTrue(JabberPasswords.matches(try XCTUnwrap(store.jabberAccount(named: "dave")), secrets[3]), "migrated")
    for secret in secrets + ["bobs-old-password"] {
      XCTAssertFalse(try bytes(of: [database, database + "-wal", database + "-shm"], contain: secret), secret)
      XCTAssertFalse(exported.contains(secret), secret)
    }
  }

  func testExportOfHashedAccountsFailsNamingThemUnlessSkipped() throws {
    succeed("jabber", "adduser", "alice", "--password", "a1")
    succeed("jabber", "adduser", "bob", "--password", "b1")
    succeed("jabber", "adduser", "carol", "--password", "c1", "--legacy")
    let error = fail(65, "export", "in.jabberd.conf")
    XCTAssertTrue(error.contains("alice, bob"), error)
    XCTAssertFalse(error.contains("carol"), error)
    let target = directory.path + "/users.conf"
    fail(65, "export", "in.jabberd.conf", "-o", target)
    XCTAssertFalse(FileManager.default.fileExists(atPath: target), "nothing written")
    let skipped = run("export", "in.jabberd.conf", "--skip-hashed")
    XCTAssertEqual(skipped.status, 0)
    XCTAssertEqual(skipped.output, "carol : c1\n")
    XCTAssertTrue(skipped.error.contains("alice, bob"), skipped.error)
  }

  private func bytes(of paths: [String], contain text: String) throws -> Bool {
    paths.contains { FileManager.default.contents(atPath: $0)?.range(of: Data(text.utf8)) != nil }
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
    fail(64, "jabber", "passwd", "bob", "--password", "pw", "--password-stdin", "--no-legacy")
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
