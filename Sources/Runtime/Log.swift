import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// One line per event: syslog facility daemon with the PID, or stderr with `-d` (under inetd
/// fd 2 is the client's socket, so stderr is for foreground debugging only).
public struct Log: Sendable {
  public enum Destination: Sendable { case syslog, standardError }

  public let program: String
  public let destination: Destination
  /// False when there is no syslog socket to write to: glibc would try to connect again for
  /// every line, three system calls each, in a process that lives for a burst of requests.
  private let listening: Bool

  /// Opens syslog under `program`; `facility` is LOG_AUTH for logins, LOG_DAEMON otherwise.
  public init(program: String, destination: Destination, facility: Int32 = LOG_DAEMON) {
    self.program = program
    self.destination = destination
    listening = destination == .standardError || access("/dev/log", W_OK) == 0
    if destination == .syslog && listening {
      slug_openlog(program, facility)
    }
  }

  public func error(_ message: String) { write(LOG_ERR, message) }
  public func warning(_ message: String) { write(LOG_WARNING, message) }
  public func notice(_ message: String) { write(LOG_NOTICE, message) }
  public func info(_ message: String) { write(LOG_INFO, message) }
  public func debug(_ message: String) { write(LOG_DEBUG, message) }
  /// Logins, logouts and refusals go to facility auth whatever the log was opened with.
  public func authNotice(_ message: String) { write(LOG_AUTH | LOG_NOTICE, message) }
  public func authError(_ message: String) { write(LOG_AUTH | LOG_ERR, message) }

  private func write(_ priority: Int32, _ message: String) {
    guard listening else { return }
    let line = Log.escape(message)
    switch destination {
    case .syslog:
      line.withCString { text in
        slug_syslog(priority, text)
      }
    case .standardError:
      let bytes = Array("\(program)[\(getpid())]: \(line)\n".utf8)
      _ = bytes.withUnsafeBytes { CLibc.write(2, $0.baseAddress, $0.count) }
    }
  }

  /// Client-supplied text reaches the log only with control characters and backslashes
  /// escaped, so a peer cannot forge or split log lines.
  public static func escape(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x5C:
        escaped += "\\\\"
      case 0..<0x20, 0x7F..<0xA0:
        escaped += "\\x" + Hex.uppercase([UInt8(scalar.value)])
      default:
        escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }
}
