import CLibc

/// The hand-off: `SENDMAIL -i -f SENDER -- RECIPIENT...` by posix_spawn (no shell), stdin the
/// spool from its first byte, stdout and stderr into a nameless file kept for the log.
enum Sendmail {
  enum Outcome: Equatable {
    case exited(Int32, output: String)
    case killedBySignal(Int32, output: String)
    case couldNotStart(Int32)
    case timedOut
  }

  static func deliver(
    path: String, sender: [UInt8], recipients: [[UInt8]], input: Int32, timeoutSeconds: Int
  ) -> Outcome {
    let output = slug_memfd("sendmail-output")
    defer { if output >= 0 { close(output) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input, 0)
    if output >= 0 {
      posix_spawn_file_actions_adddup2(&actions, output, 1)
      posix_spawn_file_actions_adddup2(&actions, output, 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // We ignore SIGPIPE; sendmail should not inherit that.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &signals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

    // The null sender goes as "<>", which sendmail, Postfix, msmtp and ssmtp all read as such.
    let sender = sender.isEmpty ? "<>" : String(decoding: sender, as: UTF8.self)
    let words = ["sendmail", "-i", "-f", sender, "--"] + recipients.map { String(decoding: $0, as: UTF8.self) }
    var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, path, &actions, &attributes, &argv, slug_environ())
    guard code == 0 else { return .couldNotStart(code) }

    guard let status = wait(for: pid, seconds: timeoutSeconds) else { return .timedOut }
    let text = output >= 0 ? firstLine(of: output) : ""
    if status & 0x7F == 0 { return .exited((status >> 8) & 0xFF, output: text) }
    return .killedBySignal(status & 0x7F, output: text)
  }

  /// The raw wait status, or nil after killing a child that outlived the deadline.
  private static func wait(for pid: pid_t, seconds: Int) -> Int32? {
    var status: Int32 = 0
    let handle = slug_pidfd_open(pid)
    if handle >= 0 {
      defer { close(handle) }
      let deadline = Deadline.after(seconds: seconds)
      var ready = false
      while !ready {
        var descriptor = pollfd(fd: handle, events: Int16(POLLIN), revents: 0)
        let result = poll(&descriptor, 1, deadline.remainingMilliseconds)
        if result > 0 { ready = true } else if result == 0 || slug_errno() != EINTR { break }
      }
      if !ready {
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && slug_errno() == EINTR {}
        return nil
      }
    }
    while waitpid(pid, &status, 0) < 0 {
      guard slug_errno() == EINTR else { return 0x7F00 }
    }
    return status
  }

  /// What sendmail said, for the log: its first line, at most 200 bytes.
  private static func firstLine(of fd: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 200)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return "" }
    return String(decoding: buffer.prefix(count).prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
  }
}
