import Foundation
import Runtime
import TestSupport
import XCTest

final class WatchedFileTests: XCTestCase {
  func testReadsOnceThenAgainOnlyAfterTheFileChanges() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/in.dns.conf"
    try "one\n".write(toFile: path, atomically: true, encoding: .utf8)
    var file = WatchedFile(path: path)
    XCTAssertEqual(try file.readIfChanged(), Array("one\n".utf8))
    XCTAssertNil(try file.readIfChanged())
    // Replaced within the same second: the new inode tells.
    try "two\n".write(toFile: path, atomically: true, encoding: .utf8)
    XCTAssertEqual(try file.readIfChanged(), Array("two\n".utf8))
    XCTAssertNil(try file.readIfChanged())
  }

  func testAMissingFileIsAnErrorWithExitCode66() throws {
    let directory = try TemporaryDirectory()
    var file = WatchedFile(path: directory.path + "/absent")
    XCTAssertThrowsError(try file.readIfChanged()) { error in
      let fileError = error as? FileError
      XCTAssertEqual(fileError?.exitCode, 66)
      XCTAssertEqual(fileError?.description, directory.path + "/absent: No such file or directory")
    }
  }
}
