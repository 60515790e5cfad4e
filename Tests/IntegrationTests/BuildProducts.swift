import Foundation
import TestSupport
import XCTest

/// The release daemons under test: `swift build -c release` puts them in
/// `swift build -c release --show-bin-path`; $SLUG_BIN overrides.
enum BuildProducts {
  static let daemons = ["in.www", "in.proxy", "in.jabberd", "in.smtp", "in.ctcs", "in.dns", "in.dhcp", "in.mvp"]
  static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  static func binDirectory() throws -> String {
    var candidates = [packageRoot + "/.build/release"]
    if let override = ProcessInfo.processInfo.environment["SLUG_BIN"], !override.isEmpty {
      candidates = [override]
    } else if let triples = try? FileManager.default.contentsOfDirectory(atPath: packageRoot + "/.build") {
      candidates += triples.sorted().map { packageRoot + "/.build/\($0)/release" }
    }
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/in.mvp") }) else {
      throw SetupFailure("no release build of the daemons in \(candidates); run `swift build -c release` first (or set SLUG_BIN)")
    }
    return found
  }

}

/// A missing tool or build product: the test fails with what to install or run, never skips.
struct SetupFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
