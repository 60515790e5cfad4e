import Foundation
import Superserver
import TestSupport
import XCTest

/// The footprint budget (issue 22), on the release build stripped as `slugctl install` and the
/// package install it: a daemon that does not open the store 300 KB at most, the whole suite
/// (daemons, slug-tls, slugctl) 8 MB.
///
/// The daemons that open the store are slugctl's binary (Package.swift, "one binary";
/// docs/design.md, "One binary"). Each was once a binary of its own within 1.5 MB, but each
/// carried SQLite (700 KB) and musl, and six of those could not fit 8 MB; one binary does. It
/// has no goal of its own: it may grow into what the suite's goal leaves.
///
/// While a binary is over its goal, `ceilings` holds what it measured last (docs/benchmarks.md,
/// "Footprint"), so that it can only shrink: a change that makes it bigger fails here, and one
/// that brings it under its goal has to drop its ceiling. in.www is over since it takes
/// XEP-0363 uploads (the signed-slot check, SHA-256 and HMAC, the PUT): 293,704 to 321,216.
final class FootprintTests: XCTestCase {
  static let withoutStore = 300_000
  static let suite = 8_000_000
  static let ceilings: [String: Int] = ["in.www": 321_216]

  /// The size of PROGRAM with its symbols and debug information stripped.
  static func strippedSize(_ program: String) throws -> Int {
    let directory = try TemporaryDirectory()
    let copy = directory.path + "/stripped"
    let strip = try ChildProcess.run("/usr/bin/strip", ["-o", copy, program])
    guard strip.status == 0 else { throw SetupFailure("strip \(program): \(strip.output)") }
    return try XCTUnwrap(FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int)
  }

  func testEachDaemonWithoutTheStoreIsWithinItsBudget() throws {
    let bin = try BuildProducts.binDirectory()
    var report: [String] = []
    for program in Set(Catalog.services.filter { !$0.usesStore }.map(\.program)).sorted() {
      let size = try Self.strippedSize(bin + "/" + program)
      report.append("\(program) \(size) (goal \(Self.withoutStore))")
      Self.check(program, size: size, goal: Self.withoutStore)
    }
    print("footprint: " + report.joined(separator: ", "))
  }

  /// Each daemon that opens the store is slugctl: the build's copy under its name is slugctl's
  /// binary byte for byte, so the suite holds it once.
  func testEachDaemonWithTheStoreIsSlugctl() throws {
    let bin = try BuildProducts.binDirectory()
    let slugctl = try XCTUnwrap(FileManager.default.contents(atPath: bin + "/slugctl"))
    let programs = Set(Catalog.services.filter(\.usesStore).map(\.program))
    XCTAssertEqual(programs, ["in.jabberd", "in.smtp", "in.ctcs", "in.dns", "in.dhcp"])
    for program in programs {
      XCTAssertTrue(FileManager.default.contents(atPath: bin + "/" + program) == slugctl, "\(program) is not slugctl's binary")
    }
    print("footprint: slugctl, and \(programs.sorted().joined(separator: ", ")), \(try Self.strippedSize(bin + "/slugctl"))")
  }

  /// What `slugctl install` puts in PREFIX/sbin: slugctl (the daemons with the store are links
  /// to it), the daemons without the store and slug-tls.
  func testTheWholeSuiteIsWithinItsBudget() throws {
    let bin = try BuildProducts.binDirectory()
    let programs = Set(Catalog.services.filter { !$0.usesStore }.map(\.program)).union(["slug-tls", "slugctl"])
    var total = 0
    for program in programs { total += try Self.strippedSize(bin + "/" + program) }
    print("footprint: the suite \(total) bytes stripped (goal \(Self.suite))")
    Self.check("suite", size: total, goal: Self.suite)
  }

  /// The daemons without the store and slug-tls compare, hash and take apart their text as
  /// bytes, so the stdlib's Unicode normalisation and grapheme tables are not linked into
  /// them: one `==` between two Strings, a String-keyed dictionary or a Character operation
  /// would bring back 52 KB of tables and their code (90 KB of in.proxy, 78 KB of in.www;
  /// docs/design.md, "Text as bytes").
  func testTheProgramsThatWorkInBytesCarryNoUnicodeTables() throws {
    let bin = try BuildProducts.binDirectory()
    for program in ["in.www", "in.proxy", "in.mvp", "slug-tls"] {
      let symbols = try ChildProcess.run("/usr/bin/nm", [bin + "/" + program])
      XCTAssertFalse(symbols.output.isEmpty, program)
      for table in ["_swift_stdlib_nfd_decomp", "_swift_stdlib_graphemeBreakProperties", "_swift_stdlib_normData"] {
        XCTAssertFalse(symbols.output.contains(table), "\(program) links \(table)")
      }
    }
  }

  /// SIZE is within NAME's goal, or, while NAME has a ceiling, within that and still over the
  /// goal (else the ceiling should go).
  static func check(_ name: String, size: Int, goal: Int, file: StaticString = #filePath, line: UInt = #line) {
    let limit = ceilings[name] ?? goal
    XCTAssertLessThanOrEqual(size, limit, "\(name): \(size) bytes stripped, over \(limit)", file: file, line: line)
    if let ceiling = ceilings[name] {
      XCTAssertGreaterThan(size, goal, "\(name) is within its goal now: drop its ceiling of \(ceiling)", file: file, line: line)
    }
  }
}
