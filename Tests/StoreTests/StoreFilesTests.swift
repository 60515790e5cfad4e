import Foundation
import XCTest

@testable import Store

/// Every way of opening the store refuses a database, -wal or -shm that is not a regular file of
/// its own, before SQLite opens anything: SQLite would follow a link at the store's name and put
/// the -wal and -shm beside its target (root's `slugctl init` would create the file the link
/// names), and a FIFO or a device is no store.
final class StoreFilesTests: StoreTestCase {
  private var target: String { directory + "/target" }

  func testALinkInPlaceOfTheStoreIsRefusedByEveryOpenerAndNothingIsCreated() throws {
    XCTAssertEqual(symlink(target, databasePath), 0)
    for opener in openers {
      assertRefused(databasePath, "a symbolic link", opener)
    }
    for file in [target, target + "-wal", target + "-shm"] {
      XCTAssertNotEqual(access(file, F_OK), 0, "\(file) was created through the link")
    }
    XCTAssertEqual(try readLink(databasePath), target, "the link is left as it is")
  }

  func testALinkInPlaceOfTheWALOrTheSharedMemoryIsRefusedAndNothingIsCreated() throws {
    do {
      let store = try openStore()
      try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
    }
    for suffix in ["-wal", "-shm"] {
      let file = databasePath + suffix
      XCTAssertEqual(rename(file, directory + "/saved"), 0)
      XCTAssertEqual(symlink(target, file), 0)
      for opener in openers {
        assertRefused(file, "a symbolic link", opener)
      }
      XCTAssertNotEqual(access(target, F_OK), 0, "\(target) was created through \(file)")
      XCTAssertEqual(unlink(file), 0)
      XCTAssertEqual(rename(directory + "/saved", file), 0)
    }
    XCTAssertEqual(try Store(readingFrom: databasePath).dnsHosts().count, 1, "the store itself is unharmed")
  }

  /// A FIFO would hang every process that opens the store; SQLite takes it for an empty file.
  func testAFIFOOrADirectoryInPlaceOfTheStoreIsRefused() throws {
    XCTAssertEqual(mkfifo(databasePath, 0o600), 0)
    for opener in openers {
      assertRefused(databasePath, "a FIFO", within: .seconds(5), opener)
    }
    XCTAssertEqual(unlink(databasePath), 0)
    XCTAssertEqual(mkdir(databasePath + "-wal", 0o700), 0)
    assertRefused(databasePath + "-wal", "a directory", openers[0])
  }

  /// init's ownership change through the descriptor would reach the other name of the file.
  func testAStoreFileWithASecondLinkIsRefused() throws {
    _ = try openStore()
    XCTAssertEqual(link(databasePath, directory + "/other"), 0)
    assertRefused(databasePath, "2 hard links", openers[0])
  }

  /// A link to the store's directory is the administrator's (/var/lib on another disk): the store
  /// opens through it, while SQLITE_OPEN_NOFOLLOW still refuses a link at the store's own name.
  func testAStoreReachedThroughALinkedDirectoryOpens() throws {
    XCTAssertEqual(mkdir(directory + "/real", 0o755), 0)
    XCTAssertEqual(symlink(directory + "/real", directory + "/linked"), 0)
    let path = directory + "/linked/slug.db"
    try Store(path: path).addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
    XCTAssertEqual(try Store(readingFrom: path).dnsHosts().count, 1)
    XCTAssertEqual(try Store(writingTo: path).dnsHosts().count, 1)
    XCTAssertEqual(access(directory + "/real/slug.db-wal", F_OK), 0)
  }

  /// The three ways of opening a store: slugctl's, a reading daemon's and a writing daemon's.
  private enum Opener: CaseIterable {
    case creating, reading, writing

    func open(_ path: String) throws(StoreError) {
      switch self {
      case .creating: _ = try Store(path: path)
      case .reading: _ = try Store(readingFrom: path)
      case .writing: _ = try Store(writingTo: path)
      }
    }
  }

  private var openers: [Opener] { Opener.allCases }

  /// Opens the store at databasePath on another thread (a FIFO must not hang the test) and
  /// expects it refused with `file` named as `kind`.
  private func assertRefused(
    _ file: String, _ kind: String, within limit: Duration = .seconds(30),
    _ opener: Opener, line: UInt = #line
  ) {
    let finished = expectation(description: "open")
    let outcome = Outcome()
    let path = databasePath
    Thread.detachNewThread {
      do throws(StoreError) {
        try opener.open(path)
        outcome.error = nil
      } catch {
        outcome.error = error
      }
      finished.fulfill()
    }
    if XCTWaiter.wait(for: [finished], timeout: TimeInterval(limit.components.seconds)) != .completed {
      XCTFail("opening \(path) hung", line: line)
      // Let the stuck opener read an end of file, so it does not outlive the test.
      close(open(file, O_WRONLY | O_NONBLOCK))
      return
    }
    guard case .cannotOpen(let named, let reason) = outcome.error else {
      return XCTFail("\(String(describing: outcome.error)); expected \(file) refused as \(kind)", line: line)
    }
    XCTAssertEqual(named, file, line: line)
    XCTAssertTrue(reason.contains(kind) && reason.hasSuffix("it was left as it is"), reason, line: line)
  }

  private func readLink(_ path: String) throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: path)
  }
}

private final class Outcome: @unchecked Sendable {
  var error: StoreError?
}
