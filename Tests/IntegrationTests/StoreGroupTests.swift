import Foundation
import Store
import TestSupport
import XCTest

/// `slugctl init` run as root gives the store to the system group `slug`, and a daemon running
/// as `nobody.slug` (what `slugctl inetd generate` writes) can then read it (in.dns) and write it
/// (in.dhcp). Needs root: it creates the group when missing, as the product does, and leaves it
/// for later runs.
final class StoreGroupTests: XCTestCase {
  var directory: TemporaryDirectory!

  override func setUpWithError() throws {
    guard geteuid() == 0 else { throw SetupFailure("StoreGroupTests must run as root (slugctl init creates a group)") }
    directory = try TemporaryDirectory()
    // mkdtemp makes it 0700; nobody must be able to pass through to the store.
    chmod(directory.path, 0o711)
  }

  override func tearDown() { directory = nil }

  func testInitGivesTheStoreAndTheDirectoryItMadeToTheGroup() throws {
    let database = directory.path + "/store/slug.db"
    let result = try slugctl("init", "--db", database)
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(result.output, "\(database): schema version \(Store.schemaVersion), group slug\n")
    let slug = try XCTUnwrap(getgrnam("slug"), "init should have created the group").pointee.gr_gid
    for file in [database, database + "-wal", database + "-shm"] {
      XCTAssertEqual(try status(of: file), Ownership(user: 0, group: slug, mode: 0o660), file)
    }
    XCTAssertEqual(try status(of: directory.path + "/store"), Ownership(user: 0, group: slug, mode: 0o770))
    XCTAssertEqual(try status(of: directory.path), Ownership(user: 0, group: 0, mode: 0o711), "a parent keeps its group")
  }

  func testInitLeavesADirectoryItDidNotMakeAndNoGroupLeavesEverything() throws {
    let database = directory.path + "/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let slug = try XCTUnwrap(getgrnam("slug")).pointee.gr_gid
    XCTAssertEqual(try status(of: database), Ownership(user: 0, group: slug, mode: 0o660))
    XCTAssertEqual(try status(of: directory.path), Ownership(user: 0, group: 0, mode: 0o711))

    let untouched = directory.path + "/private.db"
    let result = try slugctl("init", "--db", untouched, "--no-group")
    XCTAssertEqual(result.output, "\(untouched): schema version \(Store.schemaVersion)\n")
    XCTAssertEqual(try status(of: untouched), Ownership(user: 0, group: 0, mode: 0o640))
  }

  func testInDNSRunningAsNobodyWithTheGroupAnswersFromTheStore() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    XCTAssertEqual(try slugctl("dns", "add", "nas.home", "192.168.0.2", "--db", database).status, 0)
    let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }

    let dig = try Dig(port: port, question: ["nas.home", "A"])
    let served = try BuildProducts.runDaemon(
      "in.dns", ["-i", "2", "--db", database], input: service, identity: (user: "nobody", group: "slug"))
    XCTAssertEqual(served.status, 0, served.log)
    XCTAssertEqual(dig.answer(), "192.168.0.2\n", served.log)

    // Without the group nobody cannot read the store: the group is what lets the daemon in.
    let refused = try BuildProducts.runDaemon(
      "in.dns", ["-i", "0", "--db", database], input: service, identity: (user: "nobody", group: "nogroup"))
    XCTAssertNotEqual(refused.status, 0, refused.log)
    XCTAssertTrue(refused.log.contains(database), refused.log)
  }

  /// What in.dhcp does as `nobody.slug`: write leases, here through slugctl's import running
  /// with the same identity; and without the group nobody can neither write nor read the store.
  func testNobodyWithTheGroupWritesTheStoreAndWithoutItCannotReadIt() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let leases = directory.path + "/in.dhcp.leases.eth0"
    XCTAssertTrue(FileManager.default.createFile(
      atPath: leases, contents: Data("10.99.0.10 02:00:00:00:00:01 1795800000 laptop\n".utf8),
      attributes: [.posixPermissions: 0o644]))
    let importing = ["import", "in.dhcp.leases", leases, "--iface", "eth0", "--db", database]

    let refused = try slugctl(as: "nogroup", importing)
    XCTAssertNotEqual(refused.status, 0, refused.output)
    XCTAssertTrue(refused.output.contains(database), refused.output)
    let unread = try slugctl(as: "nogroup", ["dhcp", "leases", "--db", database])
    XCTAssertNotEqual(unread.status, 0, unread.output)
    XCTAssertTrue(unread.output.contains(database), unread.output)

    let written = try slugctl(as: "slug", importing)
    XCTAssertEqual(written.status, 0, written.output)
    let exported = try slugctl("export", "in.dhcp.leases", "--iface", "eth0", "--db", database)
    XCTAssertEqual(exported.status, 0, exported.output)
    XCTAssertEqual(exported.output, "10.99.0.10 02:00:00:00:00:01 1795800000 laptop\n")
    let slug = try XCTUnwrap(getgrnam("slug")).pointee.gr_gid
    for file in [database, database + "-wal", database + "-shm"] {
      XCTAssertEqual(try status(of: file).group, slug, file)
      XCTAssertEqual(try status(of: file).mode & 0o007, 0, "\(file) stays closed to others")
    }
  }

  /// slugctl run as `nobody` with GROUP only (setpriv, as inetd runs a `nobody.GROUP` line).
  private func slugctl(as group: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let setpriv = "/usr/bin/setpriv"
    guard FileManager.default.isExecutableFile(atPath: setpriv) else {
      throw SetupFailure("\(setpriv) is missing: apt-get install util-linux")
    }
    return try ChildProcess.run(
      setpriv,
      ["--reuid=nobody", "--regid=\(group)", "--clear-groups", try BuildProducts.binDirectory() + "/slugctl"] + arguments)
  }

  private func slugctl(_ arguments: String...) throws -> (status: Int32, output: String) {
    try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", arguments)
  }

  private struct Ownership: Equatable {
    var user: uid_t
    var group: gid_t
    var mode: mode_t
  }

  private func status(of path: String) throws -> Ownership {
    var found = stat()
    guard stat(path, &found) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return Ownership(user: found.st_uid, group: found.st_gid, mode: found.st_mode & 0o7777)
  }
}

/// dig started before the daemon, so its query waits in the socket the daemon is given.
private final class Dig {
  let process = Process()
  let output = Pipe()

  init(port: UInt16, question: [String]) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dig") else {
      throw SetupFailure("/usr/bin/dig is missing: apt-get install dnsutils")
    }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
    process.arguments = ["@127.0.0.1", "-p", "\(port)", "+tries=1", "+time=5", "+short"] + question
    process.standardOutput = output
    try process.run()
  }

  /// What dig printed, once it has finished.
  func answer() -> String {
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return printed
  }

  deinit {
    if process.isRunning { process.terminate() }
  }
}
