import ArgumentParser
import Foundation
import Store

/// The queue runner is `in.ctcs --run-queue`, installed beside slugctl (PREFIX/sbin, or the
/// build directory).
enum TorrentQueue {
  /// in.ctcs beside the running slugctl; nil when the running binary is not slugctl (the tests
  /// run commands in-process) or in.ctcs is not there.
  static func runnerPath() -> String? {
    guard let executable = runningSlugctl() else { return nil }
    let path = (executable as NSString).deletingLastPathComponent + "/in.ctcs"
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }

  static func runningSlugctl() -> String? {
    guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
      (executable as NSString).lastPathComponent == "slugctl"
    else { return nil }
    return executable
  }

  static func arguments(storePath: String) -> [String] { ["in.ctcs", "--run-queue", "--db", storePath] }

  /// Runs the queue once and waits for it (it exits as soon as it has started what fits).
  static func start(storePath: String) {
    guard runningSlugctl() != nil else { return }
    guard let runner = runnerPath() else {
      Console.current.printError("queued; in.ctcs is not installed beside slugctl, so nothing was started (see slugctl torrent run)")
      return
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: runner)
    process.arguments = Array(arguments(storePath: storePath).dropFirst())
    do {
      try process.run()
      process.waitUntilExit()
    } catch {
      Console.current.printError("queued; cannot run \(runner): \(error.localizedDescription)")
    }
  }

  /// A URL is fetched with curl, else wget; http, https and ftp only.
  static func isURL(_ text: String) -> Bool {
    let lower = text.lowercased()
    return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("ftp://")
  }

  static func fetch(_ url: String) throws -> [UInt8] {
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("slugctl-torrent-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: temporary) }
    let tools: [(name: String, arguments: [String])] = [
      ("curl", ["-fsSL", "--proto", "=http,https,ftp", "--max-time", "60", "--max-filesize", "10485760", "-o", temporary, "--", url]),
      ("wget", ["-q", "-T", "60", "-O", temporary, "--", url]),
    ]
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for tool in tools {
      guard let path = directories.map({ "\($0)/\(tool.name)" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) })
      else { continue }
      let process = Process()
      process.executableURL = URL(fileURLWithPath: path)
      process.arguments = tool.arguments
      try process.run()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        throw Failure.unavailable("cannot fetch \(url): \(tool.name) exited with status \(process.terminationStatus)")
      }
      return try readInputFile(temporary)
    }
    throw Failure.unavailable("cannot fetch \(url): neither curl nor wget is installed")
  }
}

extension Slugctl.Torrent {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "run",
      abstract: "Start queued torrents while fewer than torrent_max_active run (in.ctcs --run-queue).")

    @OptionGroup var store: StoreOptions

    func run() throws {
      guard let runner = TorrentQueue.runnerPath() else {
        throw Failure.unavailable("in.ctcs is not installed beside slugctl")
      }
      let arguments = TorrentQueue.arguments(storePath: store.path)
      let pointers = arguments.map { strdup($0) } + [nil]
      execv(runner, pointers)
      throw Failure.osError("cannot run \(runner): \(String(cString: strerror(errno)))")
    }
  }
}
