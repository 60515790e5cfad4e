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

/// Root's `slugctl init` must not be turned: a link, FIFO or device in place of the store, its
/// -wal or its -shm is refused with its name, and nothing is created where a link points.
final class InitRefusalTests: StoreCommandTestCase {
  private var target: String { directory.path + "/target" }

  func testInitRefusesALinkInPlaceOfTheStoreAndCreatesNothing() throws {
    XCTAssertEqual(symlink(target, database), 0)
    let error = fail(73, "init")
    XCTAssertTrue(error.contains("\(database): it is a symbolic link, not the store; it was left as it is"), error)
    assertNothingCreated()
  }

  func testInitRefusesALinkInPlaceOfTheWALOrTheSharedMemory() throws {
    XCTAssertEqual(run("init", "--no-group").status, 0)
    for suffix in ["-wal", "-shm"] {
      XCTAssertEqual(rename(database + suffix, directory.path + "/saved"), 0)
      XCTAssertEqual(symlink(target, database + suffix), 0)
      let error = fail(73, "init")
      XCTAssertTrue(error.contains("\(database)\(suffix): it is a symbolic link, not the store"), error)
      assertNothingCreated()
      XCTAssertEqual(unlink(database + suffix), 0)
      XCTAssertEqual(rename(directory.path + "/saved", database + suffix), 0)
    }
  }

  func testInitRefusesAFIFOInPlaceOfTheStore() throws {
    XCTAssertEqual(mkfifo(database, 0o660), 0)
    let error = fail(73, "init", "--no-group")
    XCTAssertTrue(error.contains("\(database): it is a FIFO, not the store; it was left as it is"), error)
  }

  /// Anyone who may write to the directory could plant a link or a file of theirs before the
  /// store is made: as root, init refuses such a directory (a sticky one too) and leaves it.
  func testInitAsRootRefusesADirectoryOthersMayWriteTo() throws {
    guard geteuid() == 0 else { return XCTFail("must run as root: init's directory checks are root's") }
    for permissions: mode_t in [0o777, 0o1777, 0o775] {
      XCTAssertEqual(chmod(directory.path, permissions), 0)
      let error = fail(73, "init", "--no-group", "--no-users")
      let named = "\(directory.path) (owner root, mode \(String(permissions, radix: 8))) may be changed by others than root"
      XCTAssertTrue(error.contains(named), error)
      XCTAssertNotEqual(access(database, F_OK), 0, "a store was made in a directory mode \(String(permissions, radix: 8))")
      XCTAssertEqual(try mode(of: directory.path), permissions, "the directory is left as it is")
    }
  }

  private func assertNothingCreated(file: StaticString = #filePath, line: UInt = #line) {
    for path in [target, target + "-wal", target + "-shm", target + "-journal"] {
      XCTAssertNotEqual(access(path, F_OK), 0, "\(path) was created through a link", file: file, line: line)
    }
  }

  private func mode(of path: String) throws -> mode_t {
    var status = stat()
    guard stat(path, &status) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return status.st_mode & 0o7777
  }
}
