import Foundation

/// A process started in its own session, so that stopping it by its PID also stops the
/// children it spawned (inetd's daemons), and nothing is left behind by a failed test.
public final class ChildProcess {
  public let pid: pid_t
  private var reaped = false
  /// Run once the process is stopped: cleaning up what it left outside its process tree.
  public var afterStop: [() -> Void] = []

  /// Starts `path` with `arguments`; stdout and stderr go to `outputPath` (or /dev/null).
  public init(_ path: String, _ arguments: [String], outputPath: String? = nil) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // POSIX_SPAWN_SETSID (glibc 2.26) is not visible to Swift.
    posix_spawnattr_setflags(&attributes, 0x80)
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var child: pid_t = 0
    let status = posix_spawn(&child, path, &actions, &attributes, argv, environ)
    guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .ENOENT) }
    pid = child
  }

  /// True while the process has not exited.
  public var isRunning: Bool {
    guard !reaped else { return false }
    var status: Int32 = 0
    if waitpid(pid, &status, WNOHANG) == pid { reaped = true }
    return !reaped
  }

  /// The PIDs of its live children (from /proc).
  public var children: [pid_t] { ChildProcess.children(of: pid) }

  /// Its children, theirs, and so on: a daemon under inetd `wait` may have forked workers.
  public var descendants: [pid_t] {
    var found: [pid_t] = []
    var parents = [pid]
    while let parent = parents.popLast() {
      let children = ChildProcess.children(of: parent)
      found += children
      parents += children
    }
    return found
  }

  private static func children(of pid: pid_t) -> [pid_t] {
    let list = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
    return list.split(separator: " ").compactMap { pid_t($0) }
  }

  /// Stops its descendants first (super-servers put each daemon in a session of its own, and
  /// a process orphaned by the super-server's death would not be reaped), then the session it
  /// leads: SIGTERM, then SIGKILL for whatever lingers. Reaps the leader.
  public func stop() {
    guard !reaped else { return }
    for signal in [SIGTERM, SIGKILL] {
      // Found all at once, so a worker is signalled even if its manager dies first.
      for process in descendants { kill(process, signal) }
      for _ in 0..<50 where !descendants.isEmpty { usleep(20_000) }
    }
    kill(-pid, SIGTERM)
    for _ in 0..<50 where isRunning { usleep(20_000) }
    if isRunning { kill(-pid, SIGKILL) }
    if !reaped {
      var status: Int32 = 0
      waitpid(pid, &status, 0)
      reaped = true
    }
    let cleanups = afterStop
    afterStop = []
    cleanups.forEach { $0() }
  }

  deinit { stop() }

  /// Runs `path` to completion and returns its exit status and combined output.
  public static func run(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }
}
