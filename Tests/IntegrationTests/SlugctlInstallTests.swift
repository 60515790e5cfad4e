import Foundation
import TestSupport
import XCTest

/// `slugctl install` run from the release build installs the binaries built beside it.
final class SlugctlInstallTests: XCTestCase {
  func testInstallCopiesTheReleaseBinariesAndTheyRun() throws {
    let bin = try BuildProducts.binDirectory()
    let directory = try TemporaryDirectory()
    let prefix = directory.path + "/usr"
    let install = try ChildProcess.run(bin + "/slugctl", ["install", "--prefix", prefix])
    XCTAssertEqual(install.status, 0, install.output)
    for program in ["slugctl"] + BuildProducts.daemons {
      let installed = prefix + "/sbin/" + program
      XCTAssertEqual(
        FileManager.default.contents(atPath: installed), FileManager.default.contents(atPath: bin + "/" + program),
        "\(installed) is a copy of the build")
      XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: installed)[.posixPermissions] as? Int, 0o755)
    }
    let help = try ChildProcess.run(prefix + "/sbin/slugctl", ["--help"])
    XCTAssertEqual(help.status, 0)
    XCTAssertTrue(help.output.contains("USAGE: slugctl <subcommand>"), help.output)
    let manual = try String(contentsOfFile: prefix + "/share/man/man8/slugctl.8", encoding: .utf8)
    XCTAssertTrue(manual.contains(".SS \"slugctl dns add\""), manual)
    XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/share/bash-completion/completions/slugctl"))
  }
}
