import Foundation
import Store
import TestSupport
import XCTest

final class InitCommandTests: StoreCommandTestCase {
  func testInitCreatesTheStoreWithPrivateMode() throws {
    let nested = directory.path + "/a/b/slug.db"
    let result = slugctl(["init", "--db", nested, "--no-group"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(result.output, "\(nested): schema version \(Store.schemaVersion)\n")
    let mode = try FileManager.default.attributesOfItem(atPath: nested)[.posixPermissions] as? Int
    XCTAssertEqual(mode, 0o640)
    XCTAssertEqual(slugctl(["init", "--db", nested, "--no-group"]).status, 0, "init is idempotent")
  }

  func testAGroupNameInetdCannotSpellIsAUsageError() {
    for name in ["", "a.b", "a:b", "a b", "a/b"] {
      let result = slugctl(["init", "--db", directory.path + "/slug.db", "--group", name])
      XCTAssertEqual(result.status, 64, name)
      XCTAssertTrue(result.error.contains("--group '\(name)' is not a group name"), result.error)
    }
    XCTAssertNotEqual(access(directory.path + "/slug.db", F_OK), 0, "nothing is created on a usage error")
  }

  /// Under no-new-privileges Postfix's postdrop cannot become set-group-ID postdrop, so init
  /// makes in.smtp's user a member of the group (here a postdrop group the test makes and
  /// removes when Postfix has not made one).
  func testInitMakesSlugSmtpAMemberOfPostdropWhenTheGroupExists() throws {
    guard geteuid() == 0 else { throw XCTSkip("needs root (groupadd, useradd)") }
    func members() -> [String] {
      guard let group = getgrnam("postdrop") else { return [] }
      var names: [String] = []
      var member = group.pointee.gr_mem
      while let name = member?.pointee {
        names.append(String(cString: name))
        member = member?.advanced(by: 1)
      }
      return names
    }
    let created = getgrnam("postdrop") == nil
    if created { XCTAssertEqual(try ChildProcess.run("/usr/sbin/groupadd", ["--system", "postdrop"]).status, 0) }
    defer {
      if created { _ = try? ChildProcess.run("/usr/sbin/groupdel", ["postdrop"]) }
    }
    let wasMember = members().contains("slug-smtp")
    let result = slugctl(["init", "--db", database, "--no-group"])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertTrue(members().contains("slug-smtp"), "\(members())")
    XCTAssertEqual(result.output.contains("slug-smtp joined postdrop"), !wasMember, result.output)
    XCTAssertFalse(slugctl(["init", "--db", database, "--no-group"]).output.contains("joined"), "once is enough")
  }

  func testAStoreThatCannotBeCreatedExits73() throws {
    let blocker = try directory.write("not a directory", to: "blocker")
    let result = slugctl(["init", "--db", blocker + "/slug.db"])
    XCTAssertEqual(result.status, 73, result.error)
    XCTAssertTrue(result.error.contains(blocker), result.error)
  }
}
