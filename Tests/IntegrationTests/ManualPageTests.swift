import Foundation
import TestSupport
import XCTest

/// The man pages are the contract: every page of man/ and the generated slugctl.8 format
/// without a warning, and each daemon's usage line (what it prints for a wrong option) is
/// its page's SYNOPSIS as a reader sees it.
final class ManualPageTests: XCTestCase {
  static let manDirectory = BuildProducts.packageRoot + "/man"

  func testEveryPageFormatsWithoutWarnings() throws {
    let directory = try TemporaryDirectory()
    let generated = try ChildProcess.run(try BuildProducts.binDirectory() + "/slugctl", ["generate-manual"])
    XCTAssertEqual(generated.status, 0, generated.output)
    let slugctlPage = directory.path + "/slugctl.8"
    try generated.output.write(toFile: slugctlPage, atomically: true, encoding: .utf8)
    let pages = try Self.pages() + [slugctlPage]
    for page in pages {
      let groff = try Self.run("/usr/bin/groff", ["-ww", "-man", "-z", page])
      XCTAssertEqual(groff.status, 0, page)
      XCTAssertEqual(groff.error, "", "groff warns about \(page)")
      let man = try Self.run("/usr/bin/man", ["--warnings", "-l", page])
      XCTAssertEqual(man.status, 0, page)
      XCTAssertEqual(man.error, "", "man warns about \(page)")
    }
  }

  func testEachPageIsTitledAfterItsFile() throws {
    for page in try Self.pages() {
      let file = URL(fileURLWithPath: page)
      let name = file.deletingPathExtension().lastPathComponent
      let title = try String(contentsOfFile: page, encoding: .utf8).prefix { $0 != "\n" }
      XCTAssertTrue(title.hasPrefix(".TH \(name.uppercased()) \(file.pathExtension) "), "\(page) starts with \(title)")
    }
  }

  func testEachDaemonsUsageIsItsPagesSynopsis() throws {
    for daemon in BuildProducts.daemons {
      let synopses = try Self.synopses(ofPage: daemon + ".8")
      XCTAssertEqual(try Self.usage(of: daemon, ["--no-such-option"]), synopses.first, daemon)
    }
  }

  func testTheQueueRunnersAndTheWebPagesUsagesAreTheirSynopses() throws {
    let control = try Self.synopses(ofPage: "in.ctcs.8")
    XCTAssertEqual(control.count, 3, "\(control)")
    XCTAssertEqual(try Self.usage(of: "in.ctcs", ["--run-queue", "--no-such-option"]), control.dropFirst().first)
    XCTAssertEqual(try Self.usage(of: "in.ctcs", ["--cgi", "--no-such-option"]), control.last)
    XCTAssertEqual(try Self.synopses(ofPage: "torrents.cgi.8"), ["torrents.cgi"] + control.suffix(1))
  }

  static func pages() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: manDirectory).sorted().map { manDirectory + "/" + $0 }
  }

  /// The SYNOPSIS lines as groff prints them on a line too long to wrap, white space collapsed.
  static func synopses(ofPage page: String) throws -> [String] {
    let rendered = try run(
      "/usr/bin/groff", ["-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-rLL=1000n", manDirectory + "/" + page])
    XCTAssertEqual(rendered.status, 0, page)
    let lines = rendered.output.split(separator: "\n", omittingEmptySubsequences: false)
    guard let heading = lines.firstIndex(of: "SYNOPSIS") else { return [] }
    return lines[(heading + 1)...].prefix { $0.isEmpty || $0.first == " " }.map(collapsed).filter { !$0.isEmpty }
  }

  /// `PROGRAM SYNOPSIS` from the usage error the release DAEMON prints for ARGUMENTS.
  static func usage(of daemon: String, _ arguments: [String]) throws -> String {
    let result = try ChildProcess.run(try BuildProducts.binDirectory() + "/" + daemon, arguments)
    XCTAssertEqual(result.status, 64, result.output)
    guard let marker = result.output.range(of: "; usage: ") else { return "" }
    return collapsed(result.output[marker.upperBound...].prefix { $0 != "\n" })
  }

  static func collapsed(_ text: some StringProtocol) -> String {
    text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
  }

  static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw SetupFailure("\(path) is not installed: apt-get install groff-base man-db")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin", "MANWIDTH": "80", "LANG": "C.UTF-8"]
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // stderr is small; stdout (a rendered page) is read first so the pipe never fills.
    let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let warned = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, printed, warned)
  }
}
