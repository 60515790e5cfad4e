import CLibc

/// The lines of a file read a chunk at a time, for an import that must not hold the whole
/// file: memory stays near `maximumLineLength` whatever the file's size. A line longer than
/// that, a line that is not UTF-8 or a failed read ends the lines early and leaves the reason
/// in `failure`, which the reader of the lines checks once they end.
public final class LineReader: Sequence, IteratorProtocol {
  /// Far above any line of the formats read (a hosts line, a lease), far below what would
  /// hurt a small machine.
  public static let defaultMaximumLineLength = 65536

  public let file: String
  public let maximumLineLength: Int
  public private(set) var failure: FormatError?
  private let fd: Int32
  private var buffer: [UInt8] = []
  private var start = 0
  private var ended = false
  private var number = 0

  /// Opens PATH for reading (no link followed at the end, so a link planted where a file is
  /// expected is refused); nil with errno set when it cannot be opened.
  public init?(path: String, maximumLineLength: Int = LineReader.defaultMaximumLineLength) {
    fd = slug_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0)
    guard fd >= 0 else { return nil }
    file = path
    self.maximumLineLength = maximumLineLength
  }

  deinit { close(fd) }

  public func next() -> NumberedLine? {
    guard failure == nil else { return nil }
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        return take(upTo: newline, skipping: 1)
      }
      if buffer.count - start > maximumLineLength { return fail("line longer than \(maximumLineLength) bytes") }
      if ended {
        return start < buffer.count ? take(upTo: buffer.count, skipping: 0) : nil
      }
      buffer.removeFirst(start)
      start = 0
      var chunk = [UInt8](repeating: 0, count: 65536)
      let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if slug_errno() == EINTR { continue }
        return fail("cannot read: \(String(cString: strerror(slug_errno())))")
      }
      if count == 0 { ended = true }
      buffer += chunk.prefix(count)
    }
  }

  private func take(upTo end: Int, skipping: Int) -> NumberedLine? {
    number += 1
    guard end - start <= maximumLineLength else { return fail("line longer than \(maximumLineLength) bytes") }
    var bytes = buffer[start..<end]
    start = end + skipping
    if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
    guard let text = String(validating: bytes, as: UTF8.self) else { return fail("not UTF-8 text") }
    return NumberedLine(number: number, text: Substring(text))
  }

  private func fail(_ message: String) -> NumberedLine? {
    failure = FormatError(file: file, line: Swift.max(number, 1), message: message)
    return nil
  }
}
