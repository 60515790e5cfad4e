import Foundation

/// Where a command's output goes. Commands never write to the real stdout directly, so tests can
/// run them in-process and read what they printed.
struct Console: Sendable {
  var writeOutput: @Sendable (String) -> Void
  var writeError: @Sendable (String) -> Void
  var readInput: @Sendable () -> [UInt8]

  /// The console of the command being run.
  @TaskLocal static var current = Console.standard

  static let standard = Console(
    writeOutput: { writeAll(Array($0.utf8), to: STDOUT_FILENO) },
    writeError: { writeAll(Array($0.utf8), to: STDERR_FILENO) },
    readInput: { FileHandle.standardInput.readDataToEndOfFile().map { $0 } })

  /// Prints a line (or several) on the output.
  func print(_ text: String) { writeOutput(text.hasSuffix("\n") ? text : text + "\n") }

  /// Prints a diagnostic line on the error output.
  func printError(_ text: String) { writeError(text.hasSuffix("\n") ? text : text + "\n") }

  private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { return }
      offset += written
    }
  }
}
