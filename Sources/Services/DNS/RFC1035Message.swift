#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 1035 §4.1: the header, question and domain-name wire formats, read with the guards a
/// server open to any sender needs: every read bounds-checked, label types checked, and
/// compression pointers that may only point backwards, so a pointer loop cannot exist.

/// Why a query could not be read; the responder turns it into FORMERR. Offsets count from the
/// first byte of the message.
enum MessageError: Error, Equatable, Sendable {
  /// The message ends inside the field starting here.
  case truncated(at: Int)
  /// A label length byte with 0x40 or 0x80 set (extended label types are not in use).
  case badLabelType(at: Int)
  /// A compression pointer that does not point before the name it continues.
  case badPointer(at: Int)
  /// The name is longer than 255 bytes in wire format.
  case nameTooLong(at: Int)
  /// A second OPT record, or an OPT whose owner is not the root (RFC 6891 §6.1.1).
  case badOPT(at: Int)
}

enum Header {
  static let length = 12
  static let responseFlag: UInt16 = 0x8000
  static let authoritativeFlag: UInt16 = 0x0400
  static let truncatedFlag: UInt16 = 0x0200
  static let recursionDesiredFlag: UInt16 = 0x0100
  static let flagsOffset = 2
  static let questionCountOffset = 4
  static let answerCountOffset = 6
  static let authorityCountOffset = 8
  static let additionalCountOffset = 10
}

enum ResponseCode {
  static let noError: UInt16 = 0
  static let formatError: UInt16 = 1
  static let serverFailure: UInt16 = 2
  static let nameError: UInt16 = 3
  static let notImplemented: UInt16 = 4
  static let refused: UInt16 = 5
}

enum RecordType {
  static let a: UInt16 = 1
  static let ns: UInt16 = 2
  static let soa: UInt16 = 6
  static let ptr: UInt16 = 12
  static let aaaa: UInt16 = 28
  static let opt: UInt16 = 41
  static let ixfr: UInt16 = 251
  static let axfr: UInt16 = 252
  static let any: UInt16 = 255
}

enum RecordClass {
  static let internet: UInt16 = 1
}

/// Domain names in wire format: length-prefixed labels ending with the empty root label.
enum DomainName {
  static let maximumLength = 255
  static let maximumLabelLength = 63
  /// The two top bits of a length byte that make it a compression pointer.
  static let pointerBits: UInt8 = 0xC0

  /// Appends the name starting at `offset` of `message` to `output`, uncompressed and in its
  /// original case. Returns the offset just past the name where it sits in the message (past
  /// its first pointer, if compressed). `output` may hold part of the name after a throw.
  static func read(
    _ message: ArraySlice<UInt8>, at offset: Int, into output: inout [UInt8]
  ) throws(MessageError) -> Int {
    let base = message.startIndex
    let count = message.count
    var position = offset
    var end: Int?
    // Each pointer must point before the start of the stretch of labels it continues, so the
    // positions jumped to strictly decrease and the walk always ends.
    var pointerLimit = offset
    var length = 1
    while true {
      guard position < count else { throw .truncated(at: position) }
      let byte = message[base + position]
      if byte == 0 {
        output.append(0)
        return end ?? position + 1
      }
      switch byte & pointerBits {
      case 0:
        let labelEnd = position + 1 + Int(byte)
        guard labelEnd <= count else { throw .truncated(at: position) }
        length += 1 + Int(byte)
        guard length <= maximumLength else { throw .nameTooLong(at: position) }
        output.append(contentsOf: message[(base + position)..<(base + labelEnd)])
        position = labelEnd
      case pointerBits:
        guard position + 1 < count else { throw .truncated(at: position) }
        let target = Int(byte & ~pointerBits) << 8 | Int(message[base + position + 1])
        guard target < pointerLimit else { throw .badPointer(at: position) }
        if end == nil { end = position + 2 }
        pointerLimit = target
        position = target
      default:
        throw .badLabelType(at: position)
      }
    }
  }

  /// The offset just past the name at `offset`, without following its pointer (for records
  /// the server only steps over).
  static func skip(_ message: ArraySlice<UInt8>, at offset: Int) throws(MessageError) -> Int {
    let base = message.startIndex
    var position = offset
    while true {
      guard position < message.count else { throw .truncated(at: position) }
      let byte = message[base + position]
      switch byte & pointerBits {
      case 0:
        if byte == 0 { return position + 1 }
        position += 1 + Int(byte)
      case pointerBits:
        guard position + 1 < message.count else { throw .truncated(at: position) }
        return position + 2
      default:
        throw .badLabelType(at: position)
      }
    }
  }

  /// "nas.home" or "nas.home." in wire format; nil when a label is empty or longer than 63
  /// bytes, or the name longer than 255.
  static func encode(_ text: String, lowercased: Bool) -> [UInt8]? {
    var bytes = Array(text.utf8)
    if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
    guard !bytes.isEmpty, bytes.count + 2 <= maximumLength else { return nil }
    var wire: [UInt8] = []
    wire.reserveCapacity(bytes.count + 2)
    for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
      guard !label.isEmpty, label.count <= maximumLabelLength else { return nil }
      wire.append(UInt8(label.count))
      for byte in label { wire.append(lowercased ? ASCII.lower(byte) : byte) }
    }
    wire.append(0)
    return wire
  }
}

extension [UInt8] {
  mutating func appendUInt16(_ value: UInt16) {
    append(UInt8(truncatingIfNeeded: value >> 8))
    append(UInt8(truncatingIfNeeded: value))
  }

  mutating func appendUInt32(_ value: UInt32) {
    appendUInt16(UInt16(truncatingIfNeeded: value >> 16))
    appendUInt16(UInt16(truncatingIfNeeded: value))
  }

  mutating func setUInt16(_ value: UInt16, at offset: Int) {
    self[offset] = UInt8(truncatingIfNeeded: value >> 8)
    self[offset + 1] = UInt8(truncatingIfNeeded: value)
  }

  func uint16(at offset: Int) -> UInt16 {
    UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
  }
}

extension ArraySlice<UInt8> {
  /// The big-endian 16-bit field `offset` bytes from the start of the message.
  func uint16(at offset: Int) -> UInt16 {
    UInt16(self[startIndex + offset]) << 8 | UInt16(self[startIndex + offset + 1])
  }

  func uint32(at offset: Int) -> UInt32 {
    UInt32(uint16(at: offset)) << 16 | UInt32(uint16(at: offset + 2))
  }
}
