import Foundation
import Store
import TestSupport
import XCTest

/// `slugctl init` run as root gives the store to root and the system group `slug`, lets the
/// daemons that only read it (in.dns, running as slug-dns in a group of its own) read it, and
/// keeps the directory root's: a writer (in.dhcp as slug-dhcp in group slug) writes, the reader
/// cannot write, and a user in neither gets nothing. Needs root: init creates the users and the
/// group when missing, as the product does, and leaves them for later runs.
final class StoreGroupTests: StoreAccessTestCase {
  func testInitGivesTheFilesToRootAndTheGroupAndKeepsTheDirectoryRoots() throws {
    let database = directory.path + "/store/slug.db"
    let result = try slugctl("init", "--db", database)
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertTrue(result.output.hasPrefix("\(database): schema version \(Store.schemaVersion)"), result.output)
    XCTAssertTrue(result.output.hasSuffix(", group slug, read-only for slug-dns slug-smtp\n"), result.output)
    let slug = try XCTUnwrap(getgrnam("slug"), "init should have created the group").pointee.gr_gid
    for file in [database, database + "-wal", database + "-shm"] {
      XCTAssertEqual(try status(of: file), Ownership(user: 0, group: slug, mode: 0o660), file)
    }
    XCTAssertEqual(try status(of: directory.path + "/store"), Ownership(user: 0, group: 0, mode: 0o755))
    XCTAssertEqual(try status(of: directory.path), Ownership(user: 0, group: 0, mode: 0o711), "a parent is left alone")
  }

  /// An earlier init left the directory root:slug 0770, which let the group replace the store's
  /// files; the next init takes that back.
  func testInitTakesBackADirectoryAnEarlierInitGaveToTheGroup() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let slug = try XCTUnwrap(getgrnam("slug")).pointee.gr_gid
    XCTAssertEqual(chown(directory.path + "/store", 0, slug), 0)
    XCTAssertEqual(chmod(directory.path + "/store", 0o770), 0)
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    XCTAssertEqual(try status(of: directory.path + "/store"), Ownership(user: 0, group: 0, mode: 0o755))
  }

  func testInitLeavesADirectoryItDidNotMakeAndNoGroupLeavesTheFiles() throws {
    let database = directory.path + "/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let slug = try XCTUnwrap(getgrnam("slug")).pointee.gr_gid
    XCTAssertEqual(try status(of: database), Ownership(user: 0, group: slug, mode: 0o660))
    XCTAssertEqual(try status(of: directory.path), Ownership(user: 0, group: 0, mode: 0o711))

    let untouched = directory.path + "/private.db"
    let result = try slugctl("init", "--db", untouched, "--no-group")
    XCTAssertTrue(result.output.hasPrefix("\(untouched): schema version \(Store.schemaVersion)"), result.output)
    XCTAssertFalse(result.output.contains("group"), result.output)
    XCTAssertEqual(try status(of: untouched), Ownership(user: 0, group: 0, mode: 0o640))
  }

  /// in.dns as its own user, outside group slug, reads the store through the ACL (SQLite opens
  /// the -shm read-only), and sees what slugctl changes afterwards, in the same process and in
  /// the next; a user in neither the group nor the ACL gets nothing.
  func testInDNSRunningAsItsOwnUserAnswersFromTheStoreAndSeesUpdates() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    XCTAssertEqual(try slugctl("dns", "add", "nas.home", "192.168.0.2", "--db", database).status, 0)
    let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }

    let daemon = try Process.startAsUser(
      "slug-dns", group: "slug-dns", program: try BuildProducts.binDirectory() + "/in.dns",
      ["-d", "-i", "5", "--db", database], input: service)
    defer { daemon.stopAndWait() }
    XCTAssertEqual(try dig(port, "nas.home"), "192.168.0.2\n")
    XCTAssertEqual(try slugctl("dns", "add", "printer.home", "192.168.0.3", "--db", database).status, 0)
    // in.dns looks for a new data version at most once a second.
    var answer = ""
    for _ in 0..<6 where answer.isEmpty {
      usleep(500_000)
      answer = try dig(port, "printer.home")
    }
    XCTAssertEqual(answer, "192.168.0.3\n", "the running in.dns missed slugctl's update")
    daemon.stopAndWait()

    XCTAssertEqual(try slugctl("dns", "add", "tv.home", "192.168.0.4", "--db", database).status, 0)
    let next = try Dig(port: port, question: ["tv.home", "A"])
    let served = try BuildProducts.runDaemon(
      "in.dns", ["-i", "1", "--db", database], input: service, identity: (user: "slug-dns", group: "slug-dns"))
    XCTAssertEqual(served.status, 0, served.log)
    XCTAssertEqual(next.answer(), "192.168.0.4\n", served.log)

    let refused = try BuildProducts.runDaemon(
      "in.dns", ["-i", "0", "--db", database], input: service, identity: (user: "nobody", group: "nogroup"))
    XCTAssertNotEqual(refused.status, 0, refused.log)
    XCTAssertTrue(refused.log.contains(database), refused.log)
  }

  /// The reading daemon's user may read the store but not change it.
  func testTheReadingDaemonsUserCannotWriteTheStore() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    XCTAssertEqual(try slugctl("dns", "add", "nas.home", "192.168.0.2", "--db", database).status, 0)

    let read = try slugctl(as: ("slug-dns", "slug-dns"), ["dns", "list", "--db", database])
    XCTAssertEqual(read.status, 0, read.output)
    XCTAssertTrue(read.output.contains("nas.home"), read.output)
    let written = try slugctl(as: ("slug-dns", "slug-dns"), ["dns", "add", "evil.home", "10.6.6.6", "--db", database])
    XCTAssertNotEqual(written.status, 0, written.output)
    XCTAssertTrue(written.output.contains(database) && written.output.contains("readonly"), written.output)
    // Python's sqlite3, asking for write access outright, is refused too.
    let python = try ChildProcess.run(
      "/usr/bin/setpriv",
      ["--reuid=slug-dns", "--regid=slug-dns", "--clear-groups", "/usr/bin/python3", "-c",
       "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"DELETE FROM dns_hosts\"); c.commit()", database])
    XCTAssertNotEqual(python.status, 0, python.output)
    XCTAssertTrue(python.output.contains("readonly database"), python.output)
    let listed = try slugctl("dns", "list", "--db", database)
    XCTAssertTrue(listed.output.contains("nas.home") && !listed.output.contains("evil.home"), listed.output)
  }

  /// What in.dhcp does as slug-dhcp in group slug: write leases, here through slugctl's import
  /// running with the same identity; without the group, nobody can neither write nor read.
  func testAWriterWithTheGroupWritesTheStoreAndAUserInNeitherCannotReadIt() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let leases = directory.path + "/in.dhcp.leases.eth0"
    XCTAssertTrue(FileManager.default.createFile(
      atPath: leases, contents: Data("10.99.0.10 02:00:00:00:00:01 1795800000 laptop\n".utf8),
      attributes: [.posixPermissions: 0o644]))
    let importing = ["import", "in.dhcp.leases", leases, "--iface", "eth0", "--db", database]

    let refused = try slugctl(as: ("nobody", "nogroup"), importing)
    XCTAssertNotEqual(refused.status, 0, refused.output)
    XCTAssertTrue(refused.output.contains(database), refused.output)
    let unread = try slugctl(as: ("nobody", "nogroup"), ["dhcp", "leases", "--db", database])
    XCTAssertNotEqual(unread.status, 0, unread.output)
    XCTAssertTrue(unread.output.contains(database), unread.output)

    let written = try slugctl(as: ("slug-dhcp", "slug"), importing)
    XCTAssertEqual(written.status, 0, written.output)
    let exported = try slugctl("export", "in.dhcp.leases", "--iface", "eth0", "--db", database)
    XCTAssertEqual(exported.status, 0, exported.output)
    XCTAssertEqual(exported.output, "10.99.0.10 02:00:00:00:00:01 1795800000 laptop\n")
    let slug = try XCTUnwrap(getgrnam("slug")).pointee.gr_gid
    for file in [database, database + "-wal", database + "-shm"] {
      XCTAssertEqual(try status(of: file), Ownership(user: 0, group: slug, mode: 0o660), "\(file) is still root's")
    }
  }

  /// The torrent queue (in.ctcs's user) writes downloads and metainfo inside the store's
  /// directory, which only root may write to: init makes those directories for it.
  func testInitMakesTheTorrentDirectoriesInsideTheStoresDirectoryForInCTCS() throws {
    let database = directory.path + "/store/slug.db"
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let downloads = directory.path + "/store/downloads"
    let elsewhere = directory.path + "/elsewhere"
    XCTAssertEqual(try slugctl("torrent", "settings", "torrent_download_dir", downloads, "--db", database).status, 0)
    XCTAssertEqual(try slugctl("torrent", "settings", "torrent_metainfo_dir", elsewhere, "--db", database).status, 0)
    XCTAssertEqual(try slugctl("init", "--db", database).status, 0)
    let ctcs = try XCTUnwrap(getpwnam("slug-ctcs")).pointee
    XCTAssertEqual(try status(of: downloads), Ownership(user: ctcs.pw_uid, group: ctcs.pw_gid, mode: 0o750))
    XCTAssertNotEqual(access(elsewhere, F_OK), 0, "a directory outside the store's is the administrator's")
  }

  /// dig's one short answer.
  private func dig(_ port: UInt16, _ name: String) throws -> String {
    try ChildProcess.run("/usr/bin/dig", ["@127.0.0.1", "-p", "\(port)", "+tries=1", "+time=5", "+short", name, "A"]).output
  }
}

/// A temporary directory others may pass through, and slugctl run as root or as a daemon's user.
/// Needs root: slugctl init creates users and a group, as the product does.
class StoreAccessTestCase: XCTestCase {
  var directory: TemporaryDirectory!

  override func setUpWithError() throws {
    guard geteuid() == 0 else { throw SetupFailure("\(type(of: self)) must run as root (slugctl init creates users)") }
    directory = try TemporaryDirectory()
    // mkdtemp makes it 0700; the daemons' users must be able to pass through to the store.
    chmod(directory.path, 0o711)
  }

  override func tearDown() { directory = nil }

  /// slugctl run as USER with GROUP only (setpriv, as inetd runs a `USER.GROUP` line).
  func slugctl(as identity: (user: String, group: String), _ arguments: [String]) throws -> (status: Int32, output: String) {
    let setpriv = "/usr/bin/setpriv"
    guard FileManager.default.isExecutableFile(atPath: setpriv) else {
      throw SetupFailure("\(setpriv) is missing: apt-get install util-linux")
    }
    return try ChildProcess.run(
      setpriv,
      ["--reuid=\(identity.user)", "--regid=\(identity.group)", "--clear-groups", try BuildProducts.binDirectory() + "/slugctl"]
        + arguments)
  }

  func slugctl(_ arguments: String...) throws -> (status: Int32, output: String) {
    try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", arguments)
  }

  struct Ownership: Equatable {
    var user: uid_t
    var group: gid_t
    var mode: mode_t
  }

  func status(of path: String) throws -> Ownership {
    var found = stat()
    guard stat(path, &found) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return Ownership(user: found.st_uid, group: found.st_gid, mode: found.st_mode & 0o7777)
  }
}

private extension Process {
  /// Starts PROGRAM as USER with GROUP only, `input` as its fd 0 (a super-server's socket).
  static func startAsUser(_ user: String, group: String, program: String, _ arguments: [String], input: Int32) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    process.arguments = ["--reuid=\(user)", "--regid=\(group)", "--clear-groups", program] + arguments
    process.standardInput = FileHandle(fileDescriptor: input, closeOnDealloc: false)
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Stops it by its PID (if still running) and reaps it.
  func stopAndWait() {
    if isRunning { kill(processIdentifier, SIGTERM) }
    waitUntilExit()
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
