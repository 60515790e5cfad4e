/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its length as two
/// big-endian bytes, and a connection carries any number of them.
public struct TCPFramer: Sendable {
  private var pending: [UInt8] = []
  /// Where the unread bytes of `pending` begin; consumed bytes are dropped in one go.
  private var readOffset = 0

  public init() {}

  /// Bytes received but not yet part of a whole message.
  public var bufferedCount: Int { pending.count - readOffset }

  /// Takes the bytes as the network delivered them and returns the whole messages they
  /// complete, without their length prefixes.
  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(TCPFramingError) -> [[UInt8]] {
    pending.append(contentsOf: bytes)
    var messages: [[UInt8]] = []
    while pending.count - readOffset >= 2 {
      let length = Int(pending.uint16(at: readOffset))
      guard length > 0 else { throw .emptyMessage }
      let start = readOffset + 2
      guard pending.count - start >= length else { break }
      messages.append(Array(pending[start..<(start + length)]))
      readOffset = start + length
    }
    if readOffset == pending.count {
      pending.removeAll(keepingCapacity: true)
      readOffset = 0
    } else if readOffset > 0 && readOffset >= pending.count / 2 {
      pending.removeSubrange(0..<readOffset)
      readOffset = 0
    }
    return messages
  }

  /// `message` with its two-byte length prefix; messages over 65535 bytes cannot be framed
  /// (the responder never builds one).
  public static func frame(_ message: [UInt8]) -> [UInt8] {
    var framed: [UInt8] = []
    framed.reserveCapacity(message.count + 2)
    framed.appendUInt16(UInt16(truncatingIfNeeded: message.count))
    framed.append(contentsOf: message)
    return framed
  }
}

public enum TCPFramingError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A length prefix of zero: no DNS message is empty, so the peer is not speaking DNS.
  case emptyMessage

  public var description: String {
    switch self {
    case .emptyMessage: "zero-length message on a DNS TCP connection"
    }
  }
}
