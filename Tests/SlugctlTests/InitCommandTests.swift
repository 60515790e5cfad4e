import Foundation
import Store
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

  func testAStoreThatCannotBeCreatedExits73() throws {
    let blocker = try directory.write("not a directory", to: "blocker")
    let result = slugctl(["init", "--db", blocker + "/slug.db"])
    XCTAssertEqual(result.status, 73, result.error)
    XCTAssertTrue(result.error.contains(blocker), result.error)
  }
}
