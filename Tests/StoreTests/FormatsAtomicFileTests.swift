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

  /// The attack: a link or a device node at the path `slugctl export -o` or a daemon replaces.
  /// The target stays as it was, what a link points to too, and nothing is left beside it.
  func testASymbolicLinkADeviceNodeAFIFOOrASocketIsRefusedAndLeftAsItIs() throws {
    let victim = directory + "/victim"
    try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
    let link = directory + "/link"
    XCTAssertEqual(symlink(victim, link), 0)
    let fifo = directory + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    let socketPath = directory + "/socket"
    let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketFD) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (index, byte) in socketPath.utf8.enumerated() { buffer[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    XCTAssertEqual(bound, 0)
    var targets = [(link, "a symbolic link"), (fifo, "a FIFO"), (socketPath, "a socket")]
    // A device node of our own with the null device's numbers (major 1, minor 3; makedev is a
    // macro Swift does not import), where root may make one.
    let device = directory + "/device"
    if mknod(device, S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0 { targets.append((device, "a character device")) }
    for (path, kind) in targets {
      XCTAssertThrowsError(try AtomicFile.write(Array("overwritten\n".utf8), to: path, mode: 0o644), path) { error in
        XCTAssertEqual(
          error as? StoreError, .cannotOpen(path: path, reason: "it is \(kind), not a regular file; it was left as it is"))
        XCTAssertEqual((error as? StoreError)?.exitCode, 73)
      }
      var status = stat()
      XCTAssertEqual(lstat(path, &status), 0)
      XCTAssertNotEqual(status.st_mode & S_IFMT, S_IFREG, "\(path) was replaced by a regular file")
    }
    XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
    XCTAssertEqual(try entries().filter { $0.contains(".tmp.") }, [])
  }
}
