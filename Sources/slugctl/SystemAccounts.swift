import Foundation
import Superserver

/// The system users the daemons run as, one per program (Catalog's `user`), created by
/// `slugctl init` as root: no login shell, no home, a group of their own.
enum SystemAccounts {
  /// Creates every daemon's user that does not exist yet; returns the names it created.
  @discardableResult
  static func ensureServiceUsers() throws -> [String] {
    var created: [String] = []
    for name in Catalog.users where getpwnam(name) == nil {
      try run(
        "useradd",
        ["--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group", name])
      guard getpwnam(name) != nil else { throw Failure.osError("useradd left no user '\(name)'") }
      created.append(name)
    }
    return created
  }

  /// Runs the shadow tool `tool` (from /usr/sbin or /sbin) with `arguments`; a failure names the
  /// command and what it printed.
  static func run(_ tool: String, _ arguments: [String]) throws {
    guard let path = ["/usr/sbin/" + tool, "/sbin/" + tool].first(where: { (candidate: String) in access(candidate, X_OK) == 0 }) else {
      throw Failure.unavailable("\(tool) was not found in /usr/sbin or /sbin")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let errors = Pipe()
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw Failure.osError("cannot run \(path): \(error.localizedDescription)")
    }
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
      throw Failure.osError(
        "\(path) \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus))"
          + (detail.isEmpty ? "" : ": \(detail)"))
    }
  }
}
