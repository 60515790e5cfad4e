import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
#endif

/// Where a command's output goes. Commands never write to the real stdout directly, so tests can
/// run them in-process and read what they printed.
struct Console: Sendable {
  var writeOutput: @Sendable (String) -> Void
  var writeError: @Sendable (String) -> Void
  var readInput: @Sendable () -> [UInt8]

  /// The console of the command being run (Slugctl.run sets it; a program runs one command,
  /// the tests one at a time).
  nonisolated(unsafe) static var current = Console.standard

  static let standard = Console(
    writeOutput: { writeAll(Array($0.utf8), to: STDOUT_FILENO) },
    writeError: { writeAll(Array($0.utf8), to: STDERR_FILENO) },
    readInput: { (try? readToEnd(STDIN_FILENO, name: "standard input")) ?? [] })

  /// Prints a line (or several) on the output.
  func print(_ text: String) { writeOutput(text.hasSuffix("\n") ? text : text + "\n") }

  /// Prints a diagnostic line on the error output. What it says often quotes a value from
  /// the command line, a file or the store, so control characters other than the line ends
  /// are shown escaped (`\x1B`), never sent to the terminal.
  func printError(_ text: String) {
    let escaped = Console.escapingControls(text)
    writeError(escaped.hasSuffix("\n") ? escaped : escaped + "\n")
  }

  /// TEXT with C0 controls but `\n`, DEL and C1 controls as `\xHH` (a byte that was not
  /// UTF-8 already arrives as U+FFFD).
  static func escapingControls(_ text: String) -> String {
    var escaped = ""
    for scalar in text.unicodeScalars {
      switch scalar.value {
      case 0x0A:
        escaped.unicodeScalars.append(scalar)
      case 0..<0x20, 0x7F..<0xA0:
        escaped += "\\x" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
      default:
        escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }

  private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written < 0 && slug_errno() == EINTR { continue }
      guard written > 0 else { return }
      offset += written
    }
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    String(repeating: "0", count: max(0, width - count)) + self
  }
}
