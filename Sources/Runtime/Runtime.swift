import CLibc

/// Process-level decisions shared by every daemon: how a usage error ends.
public enum Runtime {
  /// Exit codes from sysexits(3).
  public static let usageExit: Int32 = 64
  public static let noInputExit: Int32 = 66
  public static let unavailableExit: Int32 = 69
  public static let softwareExit: Int32 = 70
  public static let ioErrorExit: Int32 = 74

  /// Ends with exit 64 after one line naming the problem and the synopsis. The line goes to
  /// stderr unless stderr is inetd's socket, where it would reach the client; then to syslog.
  public static func usageError(_ error: UsageError, synopsis: String) -> Never {
    let program = Arguments.basename(Arguments.processArguments().first ?? "")
    let line = "\(error.message); usage: \(program) \(synopsis)"
    Log(program: program, destination: standardErrorIsSocket() ? .syslog : .standardError)
      .error(line)
    exit(usageExit)
  }

  static func standardErrorIsSocket() -> Bool {
    var status = stat()
    return fstat(2, &status) == 0 && status.st_mode & mode_t(S_IFMT) == mode_t(S_IFSOCK)
  }
}
