import Foundation
import Store
import TestSupport
import XCTest

/// The attack of issue 18: as nobody in group slug (a daemon's identity), replace slug.db with a
/// link to any path; root's next `slugctl init` would create that file (plus -wal and -shm),
/// writable by the group. Now the group cannot touch the store's directory, and a link (or a
/// FIFO) that is there anyway makes init fail with the file's name and create nothing.
final class StoreTurningTests: StoreAccessTestCase {
  private var database: String { directory.path + "/store/slug.db" }
  /// Where the link points: a file root would never mean to create (think /etc/cron.d/x).
  private var target: String { directory.path + "/target" }

  override func setUpWithError() throws {
    try super.setUpWithError()
    let result = try slugctl("init", "--db", database)
    XCTAssertEqual(result.status, 0, result.output)
  }

  func testAMemberOfTheGroupCannotReplaceTheStoresFiles() throws {
    for file in [database, database + "-wal", database + "-shm"] {
      let planted = try run(as: ("nobody", "slug"), "/bin/ln", ["-sf", target, file])
      XCTAssertNotEqual(planted.status, 0, "nobody.slug replaced \(file): \(planted.output)")
      XCTAssertTrue(planted.output.contains("Permission denied"), planted.output)
      let moved = try run(as: ("slug-dhcp", "slug"), "/bin/mv", [file, directory.path + "/store/moved"])
      XCTAssertNotEqual(moved.status, 0, "slug-dhcp.slug moved \(file) away: \(moved.output)")
      var found = stat()
      XCTAssertEqual(lstat(file, &found), 0, file)
      XCTAssertEqual(found.st_mode & S_IFMT, S_IFREG, "\(file) is no longer the store's")
    }
    assertNothingCreated()
  }

  /// A link already there (planted under the old modes, or by anyone who could): init refuses
  /// it, exits 73, names it, and creates nothing where it points.
  func testInitRefusesALinkInPlaceOfAnyStoreFileAndCreatesNothing() throws {
    for file in [database, database + "-wal", database + "-shm"] {
      XCTAssertEqual(rename(file, directory.path + "/saved"), 0)
      XCTAssertEqual(symlink(target, file), 0)
      let result = try slugctl("init", "--db", database)
      XCTAssertEqual(result.status, 73, result.output)
      XCTAssertTrue(result.output.contains("\(file): it is a symbolic link, not the store; it was left as it is"), result.output)
      assertNothingCreated()
      XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: file), target, "the link is left as it is")
      XCTAssertEqual(unlink(file), 0)
      XCTAssertEqual(rename(directory.path + "/saved", file), 0)
    }
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0, "the store itself is unharmed")
  }

  /// A FIFO in place of the store would hang init and every daemon that opens it.
  func testInitAndTheDaemonsRefuseAFIFOInPlaceOfTheStore() throws {
    XCTAssertEqual(rename(database, directory.path + "/saved"), 0)
    XCTAssertEqual(mkfifo(database, 0o660), 0)
    let result = try slugctl("init", "--db", database)
    XCTAssertEqual(result.status, 73, result.output)
    XCTAssertTrue(result.output.contains("\(database): it is a FIFO, not the store; it was left as it is"), result.output)
    let (service, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let served = try BuildProducts.runDaemon(
      "in.dns", ["-i", "0", "--db", database], input: service, identity: (user: "slug-dns", group: "slug-dns"))
    XCTAssertNotEqual(served.status, 0, served.log)
    XCTAssertTrue(served.log.contains("\(database): it is a FIFO, not the store"), served.log)
  }

  private func assertNothingCreated(file: StaticString = #filePath, line: UInt = #line) {
    for path in [target, target + "-wal", target + "-shm", target + "-journal"] {
      XCTAssertNotEqual(access(path, F_OK), 0, "\(path) was created through a link", file: file, line: line)
    }
  }

  private func run(
    as identity: (user: String, group: String), _ program: String, _ arguments: [String]
  ) throws -> (status: Int32, output: String) {
    try ChildProcess.run(
      "/usr/bin/setpriv", ["--reuid=\(identity.user)", "--regid=\(identity.group)", "--clear-groups", program] + arguments)
  }
}
