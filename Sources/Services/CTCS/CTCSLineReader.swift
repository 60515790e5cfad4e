/// Splits what a ctorrent client sends into lines. ctorrent ends its lines with `\n`, the CTCS
/// spec with CRLF; either `\r` or `\n` ends a line here and empty lines are skipped, as ctorrent
/// itself reads them. A line longer than any ctorrent sends (a message is at most 200 bytes
/// plus a path) means a confused or hostile peer.
public struct CTCSLineReader: Sendable {
  public static let maximumLineBytes = 8192
  private var pending: [UInt8] = []

  public init() {}

  public struct LineTooLong: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String { "line longer than \(CTCSLineReader.maximumLineBytes) bytes" }
  }

  /// The complete lines in `bytes` (after what earlier calls left pending).
  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(LineTooLong) -> [String] {
    var lines: [String] = []
    for byte in bytes {
      if byte == 0x0A || byte == 0x0D {
        if !pending.isEmpty { lines.append(String(decoding: pending, as: UTF8.self)) }
        pending.removeAll(keepingCapacity: true)
      } else {
        guard pending.count < Self.maximumLineBytes else { throw LineTooLong() }
        pending.append(byte)
      }
    }
    return lines
  }
}
