import Foundation
import Synchronization
import TestSupport
import XCTest

/// The Debian package Scripts/package builds from the release build: lintian finds no error in
/// it, and dpkg installs it, serves DNS once the admin turns in.dns on, removes it and purges it
/// without a trace. dpkg works on the machine's /usr and /var, with /etc a copy (PrivateEtc);
/// inetd runs on loopback only, on a port of the test's.
final class DebianPackageTests: XCTestCase {
  func testLintianFindsNoErrors() throws {
    let package = try Self.built()
    let lintian = try ChildProcess.run("/usr/bin/lintian", ["--fail-on", "error", package])
    XCTAssertEqual(lintian.status, 0, lintian.output)
    XCTAssertFalse(lintian.output.split(separator: "\n").contains { $0.hasPrefix("E: ") }, lintian.output)
  }

  func testInstallsAddsServicesOffServesDNSOnceEnabledAndPurgesToNothing() throws {
    guard geteuid() == 0 else { throw XCTSkip("needs root: dpkg installs the package") }
    let package = try Self.built()
    guard (try? ChildProcess.run("/usr/bin/dpkg-query", ["-W", "slug"]))?.status != 0 else {
      throw SetupFailure("slug is installed on this machine; the test would purge it")
    }
    guard !FileManager.default.fileExists(atPath: Self.store) else {
      throw SetupFailure("\(Self.store) exists; purging the package would delete it")
    }
    let directory = try TemporaryDirectory()
    let machine = try PrivateEtc(in: directory.path)
    addTeardownBlock { machine.stop() }
    addTeardownBlock { _ = try? machine.run("dpkg", "--purge", "slug") }
    // A machine that never had slug: none of its accounts.
    for user in try machine.names(in: "passwd") where user.hasPrefix("slug-") {
      XCTAssertEqual(try machine.run("userdel", "--force", user).status, 0)
    }
    _ = try machine.run("groupdel", "slug")
    let accounts = try machine.accounts()
    let inetdConf = machine.etc + "/inetd.conf"
    let pristine = try String(contentsOfFile: inetdConf, encoding: .utf8)

    try Self.expectSuccess(machine.run("dpkg", "--install", package))
    let files = try machine.run("dpkg", "--listfiles", "slug").output.split(separator: "\n").map(String.init)
      .filter { !Self.isDirectory($0) }
    let lines = try machine.run("slugctl", "inetd", "generate", "--prefix", "/usr").output
      .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    var conf = try String(contentsOfFile: inetdConf, encoding: .utf8)
    for line in lines {
      XCTAssertTrue(conf.contains("\n#<off># \(line)\n"), "\(line) is added, off:\n\(conf)")
      XCTAssertFalse(conf.contains("\n\(line)\n"), "\(line) is not on:\n\(conf)")
    }
    let users = Set(lines.map { String($0.split(separator: " ")[4].prefix { $0 != "." }) })
    XCTAssertEqual(users.subtracting(try machine.names(in: "passwd")), [], "postinst creates the daemons' users")
    XCTAssertTrue(try machine.names(in: "group").contains("slug"))
    XCTAssertTrue(FileManager.default.fileExists(atPath: Self.store))

    // The admin turns DNS on; installing again keeps that, and adds nothing twice.
    try Self.expectSuccess(machine.run("update-inetd", "--enable", "domain"))
    let enabled = try String(contentsOfFile: inetdConf, encoding: .utf8)
    let dnsLines = lines.filter { $0.hasPrefix("domain ") }
    XCTAssertEqual(dnsLines.count, 2, "\(lines)")
    for line in dnsLines { XCTAssertTrue(enabled.contains("\n\(line)\n"), enabled) }
    try Self.expectSuccess(machine.run("dpkg", "--install", package))
    XCTAssertEqual(try String(contentsOfFile: inetdConf, encoding: .utf8), enabled, "configuring again changes nothing")
    // An upgrade from a version whose TCP line differed replaces that line and keeps it on.
    let stale = dnsLines[1] + " --stale"
    try enabled.replacingOccurrences(of: "\n\(dnsLines[1])\n", with: "\n\(stale)\n")
      .write(toFile: inetdConf, atomically: false, encoding: .utf8)
    try Self.expectSuccess(machine.run("dpkg", "--install", package))
    conf = try String(contentsOfFile: inetdConf, encoding: .utf8)
    XCTAssertFalse(conf.contains(stale), conf)
    for line in dnsLines { XCTAssertTrue(conf.contains("\n\(line)\n"), "\(line) is on:\n\(conf)") }
    XCTAssertEqual(conf.split(separator: "\n").count, enabled.split(separator: "\n").count, conf)

    // in.dns as the enabled lines run it, bound to loopback on a free port instead of every
    // address's port 53.
    try Self.expectSuccess(machine.run("slugctl", "dns", "add", "nas.pkg.test", "192.0.2.53"))
    let port = try FreePort.udpAndTCP()
    let served = conf.split(separator: "\n").filter { $0.hasPrefix("domain ") }.map { "127.0.0.1:\(port)" + $0.dropFirst(6) }
    XCTAssertEqual(served.count, 2, conf)
    let superserver = try PrivateInetd.start(
      served, in: directory.path, output: directory.path + "/inetd.trace", launcher: machine.launcher
    ) { (try? DNSServerUnderInetd.dig(port: port, ["+time=1", "nas.pkg.test"]))?.status.isEmpty == false }
    addTeardownBlock { superserver.stop() }
    for transport in ["+notcp", "+tcp"] {
      let reply = try DNSServerUnderInetd.dig(port: port, [transport, "nas.pkg.test", "A"])
      XCTAssertEqual(reply.answers, ["nas.pkg.test. 60 IN A 192.0.2.53"], reply.output)
    }
    superserver.stop()

    // remove: the package's files and its inetd lines go, the store and the accounts stay.
    try Self.expectSuccess(machine.run("dpkg", "--remove", "slug"))
    XCTAssertEqual(files.filter { FileManager.default.fileExists(atPath: $0) }, [])
    XCTAssertEqual(try String(contentsOfFile: inetdConf, encoding: .utf8), pristine)
    XCTAssertTrue(FileManager.default.fileExists(atPath: Self.store))
    XCTAssertEqual(users.subtracting(try machine.names(in: "passwd")), [])

    // purge: nothing is left of it.
    try Self.expectSuccess(machine.run("dpkg", "--purge", "slug"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/lib/slug"))
    XCTAssertEqual(try machine.accounts().symmetricDifference(accounts), [], "the accounts are as before")
    XCTAssertEqual(try String(contentsOfFile: inetdConf, encoding: .utf8), pristine)
    XCTAssertNotEqual(try ChildProcess.run("/usr/bin/dpkg-query", ["-W", "slug"]).status, 0, "dpkg knows no slug")
  }

  static let store = "/var/lib/slug/slug.db"

  /// The package, built once per test run (gzip -1: the tests check what it holds, not how
  /// small it is) from the release build the other tests run.
  static func built() throws -> String {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg") else { throw XCTSkip("dpkg is not available") }
    return try package.withLock { package in
      if package == nil {
        package = Result {
          try PrivateInetd.require([
            "/usr/bin/dpkg-architecture": "dpkg-dev", "/usr/bin/lintian": "lintian", "/usr/bin/dig": "dnsutils",
            "/usr/sbin/update-inetd": "update-inetd",
          ])
          let output = try TemporaryDirectory()
          let result = try ChildProcess.run(
            "/usr/bin/env",
            ["DPKG_DEB_COMPRESSOR_TYPE=gzip", "DPKG_DEB_COMPRESSOR_LEVEL=1", BuildProducts.packageRoot + "/Scripts/package",
             "--from", try BuildProducts.binDirectory(), "--output", output.path])
          guard result.status == 0, let path = result.output.split(separator: "\n").last, path.hasSuffix(".deb") else {
            throw SetupFailure("Scripts/package failed: \(result.output)")
          }
          return (directory: output, path: String(path))
        }
      }
      return try package!.get().path
    }
  }

  /// The package, and the directory that holds it for the rest of the run.
  private static let package = Mutex<Result<(directory: TemporaryDirectory, path: String), Error>?>(nil)

  /// A step of the scenario that failed: the rest cannot run.
  private struct StepFailure: Error, CustomStringConvertible {
    var description: String
  }

  private static func expectSuccess(_ result: (status: Int32, output: String)) throws {
    guard result.status == 0 else { throw StepFailure(description: "exit \(result.status): \(result.output)") }
  }

  private static func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
  }
}
