import CLibc

/// Starting helper programs (sendmail, CGI scripts, ctorrent, the queue runner, lease
/// scripts, curl) the one way: posix_spawn, no shell; the child gets default handling for the
/// signals a daemon changes (SIGPIPE ignored, SIGCHLD), an empty signal mask, and only its
/// three standard descriptors open, whatever the daemon holds (fd 0 from inetd is a socket).
public enum Spawn {
  /// What one of the child's standard descriptors is.
  public enum Descriptor: Sendable {
    /// /dev/null, read-only for fd 0, write-only for 1 and 2.
    case null
    /// A descriptor of ours, duplicated onto it.
    case ours(Int32)
    /// A file opened for appending (created 0640), such as a log.
    case appending(String)
    /// The child's own fd 1, for stderr into the same place as stdout.
    case standardOutput
  }

  /// Where the child sits among processes: in ours, in a group of its own (so a timeout can
  /// kill what it started too), or in a session of its own (out of reach of a CGI timeout's
  /// kill of our group and of a terminal's ^C, for a child that outlives us).
  public enum Grouping: Sendable { case inherited, processGroup, session }

  public struct Failure: Error, Equatable, CustomStringConvertible {
    /// The errno posix_spawn reported.
    public var code: Int32
    public init(code: Int32) { self.code = code }
    public var description: String { String(cString: strerror(code)) }
  }

  /// Starts `arguments[0]` (a path; searched in PATH when `searchPath`) with `arguments` as
  /// argv. `environment` nil passes ours on. `executable`, when given, is the file run instead,
  /// and `arguments[0]` only the name it is called by (a mailer's sendmail interface acts on it).
  public static func start(
    _ arguments: [String], searchPath: Bool = false, standardInput: Descriptor = .null,
    standardOutput: Descriptor = .null, standardError: Descriptor = .null, directory: String? = nil,
    environment: [String]? = nil, grouping: Grouping = .inherited, executable: String? = nil
  ) -> Result<pid_t, Failure> {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, descriptor) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
      switch descriptor {
      case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
      case .ours(let source): posix_spawn_file_actions_adddup2(&actions, source, fd)
      case .appending(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_CREAT | O_APPEND, 0o640)
      case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, fd)
      }
    }
    if let directory { slug_spawn_addchdir(&actions, directory) }
    slug_spawn_addclosefrom(&actions, 3)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    sigaddset(&defaults, SIGCHLD)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var flags = Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
    switch grouping {
    case .inherited: break
    case .processGroup:
      posix_spawnattr_setpgroup(&attributes, 0)
      flags |= Int16(POSIX_SPAWN_SETPGROUP)
    case .session: flags |= slug_spawn_setsid
    }
    posix_spawnattr_setflags(&attributes, flags)

    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    var envp: [UnsafeMutablePointer<CChar>?] = (environment ?? []).map { strdup($0) } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    let spawn = searchPath ? posix_spawnp : posix_spawn
    let program = executable ?? arguments[0]
    var pid: pid_t = 0
    let code =
      environment == nil
      ? spawn(&pid, program, &actions, &attributes, &argv, slug_environ())
      : spawn(&pid, program, &actions, &attributes, &argv, &envp)
    guard code == 0 else { return .failure(Failure(code: code)) }
    return .success(pid)
  }

  /// Waits for `pid` to end, retrying after signals.
  public static func wait(_ pid: pid_t) -> ExitStatus {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
      guard slug_errno() == EINTR else { return .unknown }
    }
    return ExitStatus(waitStatus: status)
  }

  /// Waits for `pid` until the deadline (with a pidfd, so without polling the process table);
  /// past it, kills the child (its group too, when it has one of its own) and returns nil.
  public static func wait(_ pid: pid_t, until deadline: Deadline, killingGroup: Bool = false) -> ExitStatus? {
    let handle = slug_pidfd_open(pid)
    if handle >= 0 {
      defer { close(handle) }
      guard waitUntilReady(handle, events: Int16(POLLIN), deadline: deadline) else {
        kill(killingGroup ? -pid : pid, SIGKILL)
        _ = wait(pid)
        return nil
      }
    }
    return wait(pid)
  }

  /// The status of `pid` if it has ended, nil while it runs.
  public static func reap(_ pid: pid_t) -> ExitStatus? {
    var status: Int32 = 0
    let result = waitpid(pid, &status, WNOHANG)
    if result == 0 { return nil }
    return result < 0 ? .unknown : ExitStatus(waitStatus: status)
  }

  /// Reaps every child that has ended, without waiting for the others.
  public static func reapFinished() {
    var status: Int32 = 0
    while waitpid(-1, &status, WNOHANG) > 0 {}
  }
}

/// How a child ended, decoded from waitpid's status (WIFEXITED, WEXITSTATUS and WTERMSIG are
/// macros Swift does not import).
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
  case exited(Int32)
  case killed(signal: Int32)
  /// waitpid failed: the child was reaped elsewhere, or is not ours.
  case unknown

  public init(waitStatus status: Int32) {
    let signal = status & 0x7F
    self = signal == 0 ? .exited((status >> 8) & 0xFF) : .killed(signal: signal)
  }

  public var succeeded: Bool { self == .exited(0) }

  public var description: String {
    switch self {
    case .exited(let code): "exited with status \(code)"
    case .killed(let signal): "killed by signal \(signal)"
    case .unknown: "ended unseen"
    }
  }
}
