import Foundation
import Runtime
import TestSupport
import XCTest

/// The release slugctl carries the Swift runtime, SQLite and wolfSSL (Package.swift), so it runs
/// on a machine without a Swift toolchain: only the C libraries of the system are left to load.
final class SlugctlStaticTests: XCTestCase {
  /// slugctl is built as the daemons are (Embedded, static, musl): a position-independent
  /// executable with no interpreter and no shared library at all, the toolchain's included.
  func testIsAStaticExecutableThatLoadsNoLibrary() throws {
    let slugctl = try BuildProducts.binDirectory() + "/slugctl"
    let header = try ChildProcess.run("/usr/bin/readelf", ["-h", "-l", "-d", slugctl])
    XCTAssertEqual(header.status, 0, header.output)
    XCTAssertTrue(header.output.contains("DYN (Position-Independent Executable file)"), header.output)
    XCTAssertFalse(header.output.contains("INTERP"), "slugctl asks for a dynamic loader:\n\(header.output)")
    XCTAssertFalse(header.output.contains("(NEEDED)"), "slugctl needs shared libraries:\n\(header.output)")
    XCTAssertFalse(header.output.contains("RUNPATH") || header.output.contains("RPATH"), header.output)
    let strings = try ChildProcess.run("/usr/bin/grep", ["-c", "libswiftCore", slugctl])
    XCTAssertEqual(strings.output.trimmingCharacters(in: .whitespacesAndNewlines), "0", "slugctl names the Swift runtime")
  }

  func testRunsWithTheToolchainsLibrariesHidden() throws {
    guard geteuid() == 0 else { throw SetupFailure("needs root: it mounts over the toolchain's library directory") }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
      throw SetupFailure("/usr/bin/unshare is missing: apt-get install util-linux")
    }
    let directory = try TemporaryDirectory()
    let script = """
      set -e
      hidden=$1 slugctl=$2 dir=$3
      mount -t tmpfs -o ro slug-no-toolchain "$hidden"
      test ! -e "$hidden/libswiftCore.so"
      echo hidden
      "$slugctl" --help
      "$slugctl" --db "$dir/slug.db" init --no-users --no-group
      "$slugctl" --db "$dir/slug.db" dns add nas.home 192.168.1.2
      "$slugctl" --db "$dir/slug.db" dns list
      "$slugctl" tls init --tls-dir "$dir/tls" --name nas.home
      """
    let result = try ChildProcess.run(
      "/usr/bin/unshare",
      [
        "--mount", "--propagation", "private", "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LD_LIBRARY_PATH=",
        "/bin/sh", "-c", script, "sh", try Self.toolchainLibraries(), try BuildProducts.binDirectory() + "/slugctl",
        directory.path,
      ])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertTrue(result.output.hasPrefix("hidden\n"), result.output)
    XCTAssertTrue(result.output.contains("USAGE: slugctl <subcommand>"), result.output)
    XCTAssertTrue(result.output.contains("nas.home  192.168.1.2"), result.output)
    XCTAssertTrue(result.output.contains("issued a server certificate"), result.output)
    XCTAssertTrue(result.output.contains("DNS:nas.home"), result.output)
  }

  /// The directory of the toolchain's shared Swift runtime: where the test runner, linked
  /// against it, loaded libswiftCore.so from.
  static func toolchainLibraries() throws -> String {
    // /proc files report a size of 0, which Foundation's readers take at its word.
    let maps = String(decoding: try readWholeFile("/proc/self/maps"), as: UTF8.self)
    guard let line = maps.split(separator: "\n").first(where: { $0.hasSuffix("/libswiftCore.so") }),
      let path = line.split(separator: " ").last
    else { throw SetupFailure("the test runner has no libswiftCore.so mapped: cannot tell where the toolchain's libraries are") }
    return URL(fileURLWithPath: String(path)).deletingLastPathComponent().path
  }
}
