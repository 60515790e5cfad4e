import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
#endif

/// The queue runner is `in.ctcs --run-queue`, installed beside slugctl (PREFIX/sbin, or the
/// build directory).
enum TorrentQueue {
  /// in.ctcs beside the running slugctl; nil when the running binary is not slugctl (the tests
  /// run commands in-process) or in.ctcs is not there.
  static func runnerPath() -> String? {
    guard let executable = runningSlugctl() else { return nil }
    let path = FilePath.sibling("in.ctcs", of: executable)
    return access(path, X_OK) == 0 ? path : nil
  }

  static func runningSlugctl() -> String? {
    guard let executable = FilePath.runningExecutable(), FilePath.name(of: executable) == "slugctl" else { return nil }
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
    do throws(Spawn.Failure) {
      _ = try Subprocess.run(runner, Array(arguments(storePath: storePath).dropFirst()))
    } catch {
      Console.current.printError("queued; cannot run \(runner): \(error.description)")
    }
  }

  /// A URL is fetched with curl, else wget; http, https and ftp only.
  static func isURL(_ text: String) -> Bool {
    let lower = text.lowercased()
    return lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("ftp://")
  }

  /// The metainfo at URL, fetched into a temporary file of our own (mkstemp: no name another
  /// user could have put a link at) that goes again afterwards.
  static func fetch(_ url: String) throws(Failure) -> [UInt8] {
    let file = try TemporaryFile(prefix: "slugctl-torrent", for: "cannot fetch \(url)")
    defer { file.remove() }
    let temporary = file.path
    let tools: [(name: String, arguments: [String])] = [
      ("curl", ["-fsSL", "--proto", "=http,https,ftp", "--max-time", "60", "--max-filesize", "10485760", "-o", temporary, "--", url]),
      ("wget", ["-q", "-T", "60", "-O", temporary, "--", url]),
    ]
    for tool in tools {
      guard let path = Subprocess.find(tool.name) else { continue }
      let finished: Subprocess.Finished
      do throws(Spawn.Failure) {
        finished = try Subprocess.run(path, tool.arguments)
      } catch {
        throw Failure.unavailable("cannot fetch \(url): cannot run \(path): \(error.description)")
      }
      guard finished.status.succeeded else {
        throw Failure.unavailable("cannot fetch \(url): \(tool.name) \(finished.status.description)")
      }
      return try readInputFile(temporary)
    }
    throw Failure.unavailable("cannot fetch \(url): neither curl nor wget is installed")
  }
}

extension Slugctl.Torrent {
  enum Run {
    static let command = Command(
      "run",
      abstract: "Start queued torrents while fewer than torrent_max_active run (in.ctcs --run-queue).",
      parameters: [.db],
      run: { invocation throws(Failure) in
        guard let runner = TorrentQueue.runnerPath() else {
          throw Failure.unavailable("in.ctcs is not installed beside slugctl")
        }
        let arguments = TorrentQueue.arguments(storePath: invocation.storeOptions.path)
        let pointers = arguments.map { strdup($0) } + [nil]
        execv(runner, pointers)
        throw Failure.osError("cannot run \(runner): \(String(cString: strerror(slug_errno())))")
      })
  }
}
