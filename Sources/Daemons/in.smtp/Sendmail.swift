import CLibc

/// The hand-off: `SENDMAIL -i -f SENDER -- RECIPIENT...` by posix_spawn (no shell), stdin the
/// spool from its first byte, stdout and stderr into a nameless file kept for the log.
enum Sendmail {
  enum Outcome: Equatable {
    case ended(ExitStatus, output: String)
    case couldNotStart(Int32)
    case timedOut
  }

  static func deliver(
    path: String, sender: [UInt8], recipients: [[UInt8]], input: Int32, timeoutSeconds: Int
  ) -> Outcome {
    let output = slug_memfd("sendmail-output")
    defer { if output >= 0 { close(output) } }
    // The null sender goes as "<>", which sendmail, Postfix, msmtp and ssmtp all read as such.
    let sender = sender.isEmpty ? "<>" : String(decoding: sender, as: UTF8.self)
    // Called by the name of the interface it offers, whatever -s names: a multi-call mailer
    // (OpenSMTPD's smtpctl, busybox) acts on it.
    let words = ["sendmail", "-i", "-f", sender, "--"] + recipients.map { String(decoding: $0, as: UTF8.self) }
    let pid: pid_t
    switch Spawn.start(
      words, standardInput: .ours(input), standardOutput: output >= 0 ? .ours(output) : .null,
      standardError: output >= 0 ? .standardOutput : .null, executable: path)
    {
    case .success(let started): pid = started
    case .failure(let failure): return .couldNotStart(failure.code)
    }
    guard let status = Spawn.wait(pid, until: .after(seconds: timeoutSeconds)) else { return .timedOut }
    return .ended(status, output: output >= 0 ? firstLine(of: output) : "")
  }

  /// What sendmail said, for the log: its first line, at most 200 bytes.
  private static func firstLine(of fd: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 200)
    let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard count > 0 else { return "" }
    return String(decoding: buffer.prefix(count).prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
  }
}
