import Foundation
import TestSupport
import XCTest

@testable import SlugctlKit

final class InstallTests: XCTestCase {
  private var directory: TemporaryDirectory!

  override func setUpWithError() throws { directory = try TemporaryDirectory() }
  override func tearDown() { directory = nil }

  /// man/, where the pages compiled into slugctl come from.
  private static let man = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("man").path

  /// Stand-ins for the built binaries: in-process, the running executable is the test runner.
  private func makeBinaries(except missing: String? = nil) throws -> String {
    let bin = directory.path + "/bin"
    try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
    for program in ["slugctl"] + Slugctl.Install.ownBinaryDaemons + Slugctl.Install.helpers where program != missing {
      _ = try directory.write("binary of \(program)\n", to: "bin/" + program)
    }
    return bin
  }

  func testInstallsBinariesCompletionsAndManualPage() throws {
    let bin = try makeBinaries()
    let prefix = directory.path + "/prefix"
    let result = slugctl(["install", "--prefix", prefix, "--from", bin])
    XCTAssertEqual(result.status, 0, result.error)
    for program in ["slugctl"] + Slugctl.Install.ownBinaryDaemons + Slugctl.Install.helpers {
      let path = prefix + "/sbin/" + program
      XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "binary of \(program)\n")
      let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
      XCTAssertEqual(mode, 0o755, program)
    }
    XCTAssertEqual(Slugctl.Install.slugctlDaemons.sorted(), ["in.ctcs", "in.dhcp", "in.dns", "in.jabberd", "in.smtp"])
    for program in Slugctl.Install.slugctlDaemons {
      let path = prefix + "/sbin/" + program
      XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: path), "slugctl", program)
    }
    let bash = try String(contentsOfFile: prefix + "/share/bash-completion/completions/slugctl", encoding: .utf8)
    XCTAssertTrue(bash.contains("complete"), bash)
    XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/share/zsh/site-functions/_slugctl"))
    XCTAssertTrue(FileManager.default.fileExists(atPath: prefix + "/share/fish/vendor_completions.d/slugctl.fish"))
    let manual = try String(contentsOfFile: prefix + "/share/man/man8/slugctl.8", encoding: .utf8)
    XCTAssertTrue(manual.hasPrefix(".TH SLUGCTL 8"))
    for (page, section) in [("in.dns.8", "8"), ("torrents.cgi.8", "8"), ("in.dhcp.conf.5", "5")] {
      let path = prefix + "/share/man/man\(section)/" + page
      XCTAssertEqual(FileManager.default.contents(atPath: path), FileManager.default.contents(atPath: Self.man + "/" + page), page)
      XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, 0o644, page)
    }
  }

  /// man/ holds exactly the pages install copies, so none is written and left out, or missed.
  func testInstallsEveryPageInManAndNoOther() throws {
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.man).sorted(), Slugctl.Install.manualPages.sorted())
  }

  /// The pages compiled into slugctl (Sources/CManual) are man/'s, every one, byte for byte.
  func testTheEmbeddedPagesAreTheFilesOfMan() throws {
    let embedded = Slugctl.Install.embeddedPages
    XCTAssertEqual(embedded.keys.sorted(), try FileManager.default.contentsOfDirectory(atPath: Self.man).sorted())
    for (page, bytes) in embedded {
      XCTAssertEqual(Data(bytes), FileManager.default.contents(atPath: Self.man + "/" + page), page)
    }
  }

  func testRefusesWith66AndInstallsNothingWhenADaemonIsMissing() throws {
    let bin = try makeBinaries(except: "in.www")
    let prefix = directory.path + "/prefix"
    let result = slugctl(["install", "--prefix", prefix, "--from", bin])
    XCTAssertEqual(result.status, 66)
    XCTAssertTrue(result.error.contains("in.www"), result.error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: prefix))
  }

  /// An installation from before the daemons with the store were slugctl has in.dns as a file
  /// of its own; installing again makes it the link, and a second install keeps the link.
  func testReplacesAnOldDaemonBinaryWithTheLinkAndKeepsItOnReinstall() throws {
    let bin = try makeBinaries()
    let prefix = directory.path + "/prefix"
    try FileManager.default.createDirectory(atPath: prefix + "/sbin", withIntermediateDirectories: true)
    _ = try directory.write("an in.dns of its own\n", to: "prefix/sbin/in.dns")
    for _ in 0..<2 {
      let result = slugctl(["install", "--prefix", prefix, "--from", bin])
      XCTAssertEqual(result.status, 0, result.error)
      XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: prefix + "/sbin/in.dns"), "slugctl")
      XCTAssertEqual(try String(contentsOfFile: prefix + "/sbin/in.dns", encoding: .utf8), "binary of slugctl\n")
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: prefix + "/sbin").filter { $0.hasPrefix(".") }
    XCTAssertEqual(leftovers, [])
  }

  /// A FIFO where a daemon's link goes is refused and left as it is, as AtomicFile refuses one
  /// where a file goes.
  func testRefusesAFIFOWhereADaemonLinkGoes() throws {
    let bin = try makeBinaries()
    let prefix = directory.path + "/prefix"
    try FileManager.default.createDirectory(atPath: prefix + "/sbin", withIntermediateDirectories: true)
    XCTAssertEqual(mkfifo(prefix + "/sbin/in.smtp", 0o644), 0)
    let result = slugctl(["install", "--prefix", prefix, "--from", bin])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.error.contains("in.smtp") && result.error.contains("FIFO"), result.error)
  }

  func testRefusesWith73WhenThePrefixCannotBeCreated() throws {
    let bin = try makeBinaries()
    let blocker = try directory.write("a file, not a directory", to: "blocker")
    let result = slugctl(["install", "--prefix", blocker + "/prefix", "--from", bin])
    XCTAssertEqual(result.status, 73, result.error)
    XCTAssertTrue(result.error.contains(blocker), result.error)
  }
}
