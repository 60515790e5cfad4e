import Foundation
import Runtime
import TestSupport
import XCTest

/// The release slugctl carries the Swift runtime, SQLite and wolfSSL (Package.swift), so it runs
/// on a machine without a Swift toolchain: only the C libraries of the system are left to load.
final class SlugctlStaticTests: XCTestCase {
  func testLoadsNoLibraryOfTheToolchainNorSQLiteNorWolfSSL() throws {
    let slugctl = try BuildProducts.binDirectory() + "/slugctl"
    let ldd = try ChildProcess.run("/usr/bin/ldd", [slugctl])
    XCTAssertEqual(ldd.status, 0, ldd.output)
    let libraries = ldd.output.split(separator: "\n").compactMap { line in
      line.split(whereSeparator: \.isWhitespace).first.map { String($0.split(separator: "/").last ?? $0) }
    }
    XCTAssertTrue(libraries.contains { $0.hasPrefix("libc.so") }, "ldd lists the libraries: \(ldd.output)")
    let forbidden = ["libswift", "libdispatch", "libBlocksRuntime", "libFoundation", "lib_Foundation", "libsqlite3", "libwolfssl"]
    for prefix in forbidden {
      XCTAssertFalse(libraries.contains { $0.hasPrefix(prefix) }, "\(prefix) in\n\(ldd.output)")
    }
    XCTAssertFalse(ldd.output.contains(try Self.toolchainLibraries()), ldd.output)
    let dynamic = try ChildProcess.run("/usr/bin/readelf", ["-d", slugctl])
    XCTAssertEqual(dynamic.status, 0, dynamic.output)
    XCTAssertFalse(dynamic.output.contains("RUNPATH") || dynamic.output.contains("RPATH"), dynamic.output)
  }

  /// In a mount namespace of its own, with an empty file system over the toolchain's library
  /// directory and LD_LIBRARY_PATH empty, slugctl still prints its help, makes and reads a
  /// store (SQLite) and makes certificates (wolfSSL).
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
