import Foundation
import XCTest

/// The shape every daemon folder and source file keeps, so the layout shows the design: each
/// daemon's main.swift only hands its program to the skeleton, its options sit in
/// Options.swift, and no file grows past what one reading can hold.
final class SourceLayoutTests: XCTestCase {
  static let sources = DaemonSourceGraphTests.repository + "/Sources"

  func testNoSourceFileIsLongerThan400Lines() throws {
    let files = try XCTUnwrap(FileManager.default.enumerator(atPath: Self.sources))
    var long: [String] = []
    var checked = 0
    for case let path as String in files where path.hasSuffix(".swift") || path.hasSuffix(".c") || path.hasSuffix(".h") {
      let full = Self.sources + "/" + path
      // The daemons' links lead to files counted where they live; so do CLibcMusl's and
      // CTLSMusl's, and MuslIncludes' lead out of the tree (sqlite3.h is SQLite's).
      if path.hasPrefix("Daemons/"), Self.isInsideLink(path) { continue }
      if (try? FileManager.default.destinationOfSymbolicLink(atPath: full)) != nil { continue }
      let lines = try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count - 1
      checked += 1
      if lines > 400 { long.append("\(path): \(lines) lines") }
    }
    XCTAssertGreaterThan(checked, 100, "found too few sources under \(Self.sources)")
    XCTAssertEqual(long, [])
  }

  /// A daemon of its own has a short main.swift handing its program to Daemon.run, and an
  /// Options.swift. A daemon that is slugctl's binary (Package.swift, "one binary") has no
  /// main.swift: its entry point is a short `in.NAME.swift` that does the same, which
  /// slugctl's main.swift calls by the name it was started under, and its options are in a
  /// file named for them (module file names must differ).
  func testEveryDaemonFolderHasAShortMainAndItsOptions() throws {
    let daemons = Self.sources + "/Daemons"
    for daemon in try FileManager.default.contentsOfDirectory(atPath: daemons).sorted() {
      let folder = daemons + "/" + daemon
      let ownBinary = FileManager.default.fileExists(atPath: folder + "/main.swift")
      let entry = ownBinary ? "main.swift" : daemon + ".swift"
      let main = try String(contentsOfFile: folder + "/" + entry, encoding: .utf8)
      let lines = main.split(separator: "\n").count
      XCTAssertLessThanOrEqual(lines, 30, "\(daemon)/\(entry) has \(lines) lines")
      XCTAssertTrue(main.contains("Daemon.run("), "\(daemon)/\(entry) does not hand its program to Daemon.run")
      let files = try FileManager.default.contentsOfDirectory(atPath: folder)
      if ownBinary {
        XCTAssertTrue(files.contains("Options.swift"), "\(daemon) has no Options.swift")
      } else {
        XCTAssertTrue(files.contains { $0.hasSuffix("Options.swift") && $0 != "Options.swift" }, "\(daemon) has no NAMEOptions.swift")
        let slugctlMain = try String(contentsOfFile: Self.sources + "/Tools/slugctl/main.swift", encoding: .utf8)
        XCTAssertTrue(slugctlMain.contains("case \"\(daemon)\""), "slugctl's main.swift does not run \(daemon)")
      }
    }
  }

  /// Whether a path under Daemons/ goes through one of a daemon's links (Daemons/in.www/HTTP/...).
  static func isInsideLink(_ path: String) -> Bool {
    let parts = path.split(separator: "/")
    guard parts.count > 3 else { return false }
    let link = sources + "/" + parts.prefix(3).joined(separator: "/")
    return (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil
  }
}
