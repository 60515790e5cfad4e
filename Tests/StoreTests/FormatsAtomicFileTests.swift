import Foundation
import Store
import TestSupport
import XCTest

final class FormatsAtomicFileTests: XCTestCase {
  private var temporary: TemporaryDirectory?
  private var directory: String { temporary?.path ?? "" }

  override func setUpWithError() throws {
    temporary = try TemporaryDirectory(prefix: "slug-atomic")
  }

  override func tearDown() {
    temporary = nil
  }

  private func entries() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
  }

  private func mode(of path: String) -> mode_t {
    var status = stat()
    XCTAssertEqual(stat(path, &status), 0)
    return status.st_mode & 0o7777
  }

  func testWritesTheBytesWithExactlyTheModeAndLeavesNoTemporaryFile() throws {
    let path = directory + "/in.dns.conf"
    try AtomicFile.write(Array("slug.home. 192.168.0.1\n".utf8), to: path, mode: 0o646)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "slug.home. 192.168.0.1\n")
    XCTAssertEqual(mode(of: path), 0o646, "the umask does not cut the mode asked for")
    XCTAssertEqual(try entries(), ["in.dns.conf"])
  }

  func testReplacesAnExistingFileAndItsMode() throws {
    let path = directory + "/hosts"
    try AtomicFile.write(Array("old contents, longer than the new\n".utf8), to: path, mode: 0o600)
    try AtomicFile.write(Array("new\n".utf8), to: path, mode: 0o644)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new\n")
    XCTAssertEqual(mode(of: path), 0o644)
    try AtomicFile.write([], to: path, mode: 0o644)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)).count, 0)
  }

  func testReplacesATemporaryFileADeadProcessLeftBehind() throws {
    let path = directory + "/ethers"
    let stale = "\(directory)/.ethers.tmp.\(getpid())"
    try "half-written".write(toFile: stale, atomically: false, encoding: .utf8)
    try AtomicFile.write(Array("done\n".utf8), to: path, mode: 0o644)
    XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "done\n")
    XCTAssertEqual(try entries(), ["ethers"])
  }

  func testAMissingDirectoryIsAnErrorNamingThePath() {
    let path = directory + "/missing/in.jabberd.conf"
    XCTAssertThrowsError(try AtomicFile.write(Array("x".utf8), to: path, mode: 0o644)) { error in
      XCTAssertEqual(
        error as? StoreError, .cannotOpen(path: path, reason: "No such file or directory"))
      XCTAssertEqual((error as? StoreError)?.exitCode, 73)
    }
  }

  func testAFailedRenameRemovesTheTemporaryFile() throws {
    let path = directory + "/taken"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    XCTAssertThrowsError(try AtomicFile.write(Array("x".utf8), to: path, mode: 0o644)) { error in
      XCTAssertEqual(error as? StoreError, .io("\(path): rename failed: Is a directory"))
    }
    XCTAssertEqual(try entries(), ["taken"])
  }
}
