import Foundation
import TestSupport
import XCTest

/// `slugctl install` run from the release build installs the binaries built beside it,
/// stripped, the daemons that open the store as links to slugctl, and the man pages of man/.
final class SlugctlInstallTests: XCTestCase {
  func testInstallCopiesTheReleaseBinariesAndTheyRun() throws {
    let bin = try BuildProducts.binDirectory()
    let directory = try TemporaryDirectory()
    let prefix = directory.path + "/usr"
    let install = try ChildProcess.run(bin + "/slugctl", ["install", "--prefix", prefix])
    XCTAssertEqual(install.status, 0, install.output)
    let sameAsSlugctl = ["in.jabberd", "in.smtp", "in.ctcs", "in.dns", "in.dhcp"]
    for program in ["slugctl"] + BuildProducts.daemons + ["slug-tls"] where !sameAsSlugctl.contains(program) {
      let installed = prefix + "/sbin/" + program
      let built = try XCTUnwrap(FileManager.default.contents(atPath: bin + "/" + program))
      let copy = try XCTUnwrap(FileManager.default.contents(atPath: installed))
      // Stripped: what `strip` makes of the build, and smaller than it.
      let strip = try ChildProcess.run("/usr/bin/strip", ["-o", directory.path + "/stripped", bin + "/" + program])
      XCTAssertEqual(strip.status, 0, strip.output)
      XCTAssertEqual(copy, FileManager.default.contents(atPath: directory.path + "/stripped"), "\(installed) is the build, stripped")
      XCTAssertLessThan(copy.count, built.count, program)
      XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: installed)[.posixPermissions] as? Int, 0o755)
    }
    // The build has a copy of slugctl under each of their names; the installation links them.
    for program in sameAsSlugctl {
      XCTAssertEqual(FileManager.default.contents(atPath: bin + "/" + program), FileManager.default.contents(atPath: bin + "/slugctl"))
      XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: prefix + "/sbin/" + program), "slugctl")
    }
    let mvp = try ChildProcess.run(prefix + "/sbin/in.mvp", ["-n"])
    XCTAssertEqual(mvp.status, 0, mvp.output)
    // Run through its link, slugctl is the daemon: in.dns's own usage, and exit status 64.
    let dns = try ChildProcess.run(prefix + "/sbin/in.dns", ["--no-such-option"])
    XCTAssertEqual(dns.status, 64, dns.output)
    XCTAssertTrue(dns.output.contains("usage: in.dns"), dns.output)
    let help = try ChildProcess.run(prefix + "/sbin/slugctl", ["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.output.contains("USAGE: slugctl <subcommand>"), help.output)
    let manual = try String(contentsOfFile: prefix + "/share/man/man8/slugctl.8", encoding: .utf8)
    XCTAssertTrue(manual.contains(".SS \"slugctl dns add\""), manual)
    XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/share/bash-completion/completions/slugctl"))
  }

  /// The pages are compiled into slugctl, so install needs neither the source tree nor anything
  /// beside the binaries: here it runs from a directory holding them alone.
  func testInstallCopiesTheManPagesToTheirSections() throws {
    let directory = try TemporaryDirectory()
    let bin = directory.path + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    for program in ["slugctl", "in.www", "in.proxy", "in.mvp", "slug-tls"] {
      try FileManager.default.copyItem(atPath: try BuildProducts.binDirectory() + "/" + program, toPath: bin + "/" + program)
    }
    let prefix = directory.path + "/usr"
    let install = try ChildProcess.run(bin + "/slugctl", ["install", "--prefix", prefix])
    XCTAssertEqual(install.status, 0, install.output)
    let man = BuildProducts.packageRoot + "/man"
    let pages = try FileManager.default.contentsOfDirectory(atPath: man)
    XCTAssertEqual(pages.count, 13, "\(pages)")
    for page in pages {
      let installed = prefix + "/share/man/man\(URL(fileURLWithPath: page).pathExtension)/" + page
      XCTAssertEqual(
        FileManager.default.contents(atPath: installed), FileManager.default.contents(atPath: man + "/" + page),
        "\(installed) is a copy of man/\(page)")
    }
  }
}
