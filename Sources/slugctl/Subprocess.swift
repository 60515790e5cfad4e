import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
#endif

/// The programs slugctl runs and waits for (useradd and groupadd, in.ctcs's queue runner, curl
/// or wget), started with Spawn: no shell, our environment, our standard input, output and
/// error (a descriptor we do not have open becomes /dev/null), and no other descriptor.
enum Subprocess {
  struct Finished {
    var status: ExitStatus
    /// What it wrote on its standard error, when that was captured.
    var errors: String
  }

  /// Runs the program at PATH with ARGUMENTS (argv[0] is PATH) until it exits; with
  /// `capturingErrors` its standard error is read (to its end) instead of shared.
  static func run(_ path: String, _ arguments: [String], capturingErrors: Bool = false) throws(Spawn.Failure) -> Finished {
    var ends: [Int32] = [-1, -1]
    // Spawn closes every descriptor above 2 in the child: the pipe's ends need no O_CLOEXEC.
    if capturingErrors, pipe(&ends) != 0 { throw Spawn.Failure(code: slug_errno()) }
    let started = Spawn.start(
      [path] + arguments, standardInput: inherited(0), standardOutput: inherited(1),
      standardError: capturingErrors ? .ours(ends[1]) : inherited(2))
    if capturingErrors { close(ends[1]) }
    defer { if capturingErrors { close(ends[0]) } }
    let pid = try started.get()
    let errors = capturingErrors ? ((try? readToEnd(ends[0], name: path + "'s error output")) ?? []) : []
    return Finished(status: Spawn.wait(pid), errors: String(decoding: errors, as: UTF8.self))
  }

  /// The first executable NAME in DIRECTORIES (by default $PATH's, else /usr/bin and /bin),
  /// or nil.
  static func find(_ name: String, in directories: [String]? = nil) -> String? {
    let searched = directories ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
    return searched.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
  }

  /// Our descriptor FD for the child's, or /dev/null when we have none open there.
  private static func inherited(_ fd: Int32) -> Spawn.Descriptor {
    slug_fcntl(fd, F_GETFD, 0) >= 0 ? .ours(fd) : .null
  }
}

extension ExitStatus {
  /// `status 1` or `killed by signal 9`, for a message that says a program failed.
  var shortDescription: String {
    if case .exited(let code) = self { return "status \(code)" }
    return description
  }
}
