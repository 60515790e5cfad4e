import Foundation
import Store
import XCTest

final class InitCommandTests: StoreCommandTestCase {
  func testInitCreatesTheStoreWithPrivateMode() throws {
    let nested = directory.path + "/a/b/slug.db"
    let result = slugctl(["init", "--db", nested])
    XCTAssertEqual(result.status, 0, result.error)
    XCTAssertEqual(result.output, "\(nested): schema version \(Store.schemaVersion)\n")
    let mode = try FileManager.default.attributesOfItem(atPath: nested)[.posixPermissions] as? Int
    XCTAssertEqual(mode, 0o640)
    XCTAssertEqual(slugctl(["init", "--db", nested]).status, 0, "init is idempotent")
  }

  func testAStoreThatCannotBeCreatedExits73() throws {
    let blocker = try directory.write("not a directory", to: "blocker")
    let result = slugctl(["init", "--db", blocker + "/slug.db"])
    XCTAssertEqual(result.status, 73, result.error)
    XCTAssertTrue(result.error.contains(blocker), result.error)
  }
}
