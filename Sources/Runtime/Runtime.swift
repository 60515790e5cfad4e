import CLibc

/// Process-level decisions shared by every daemon: how a usage error ends.
public enum Runtime {
  /// Ends with exit 64 after one line naming the problem and the synopsis. The line goes to
  /// stderr unless stderr is inetd's socket, where it would reach the client; then to syslog.
  public static func usageError(_ error: UsageError, synopsis: String) -> Never {
    let program = FilePath.name(of: Arguments.processArguments().first ?? "")
    let line = "\(error.message); usage: \(program) \(synopsis)"
    Log(program: program, destination: standardErrorIsSocket() ? .syslog : .standardError)
      .error(line)
    exit(EX_USAGE)
  }

  static func standardErrorIsSocket() -> Bool {
    var status = stat()
    return fstat(2, &status) == 0 && status.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK)
  }
}
