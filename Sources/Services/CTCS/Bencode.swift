/// Just enough of BitTorrent's bencoding (BEP 3) to check that a file is a torrent and read its
/// name: integers, byte strings, lists and dictionaries, the whole input one value.
public enum Bencode: Equatable {
  case integer(Int64)
  case bytes([UInt8])
  case list([Bencode])
  case dictionary([(key: [UInt8], value: Bencode)])

  public struct DecodeError: Error, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "byte \(offset): \(message)" }
  }

  public static func == (lhs: Bencode, rhs: Bencode) -> Bool {
    switch (lhs, rhs) {
    case (.integer(let a), .integer(let b)): a == b
    case (.bytes(let a), .bytes(let b)): a == b
    case (.list(let a), .list(let b)): a == b
    case (.dictionary(let a), .dictionary(let b)):
      a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    default: false
    }
  }

  /// Decodes one value that must span all of `bytes`.
  public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Bencode {
    var reader = Reader(bytes: bytes)
    let value = try reader.value(depth: 0)
    guard reader.offset == bytes.count else {
      throw DecodeError(offset: reader.offset, message: "trailing bytes after the value")
    }
    return value
  }

  /// The value under `key` in a dictionary.
  public subscript(key: String) -> Bencode? {
    guard case .dictionary(let members) = self else { return nil }
    return members.first { $0.key == Array(key.utf8) }?.value
  }

  private struct Reader {
    let bytes: [UInt8]
    var offset = 0

    /// Nesting deeper than any real metainfo is refused rather than recursed into.
    static let maximumDepth = 64

    mutating func value(depth: Int) throws(DecodeError) -> Bencode {
      guard depth < Self.maximumDepth else { throw DecodeError(offset: offset, message: "nested too deeply") }
      guard offset < bytes.count else { throw DecodeError(offset: offset, message: "unexpected end of data") }
      switch bytes[offset] {
      case UInt8(ascii: "i"):
        offset += 1
        let number = try integer(until: UInt8(ascii: "e"))
        return .integer(number)
      case UInt8(ascii: "l"):
        offset += 1
        var items: [Bencode] = []
        while try !atEnd() { items.append(try value(depth: depth + 1)) }
        return .list(items)
      case UInt8(ascii: "d"):
        offset += 1
        var members: [(key: [UInt8], value: Bencode)] = []
        while try !atEnd() {
          guard case .bytes(let key) = try value(depth: depth + 1) else {
            throw DecodeError(offset: offset, message: "dictionary key is not a string")
          }
          members.append((key, try value(depth: depth + 1)))
        }
        return .dictionary(members)
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        let length = try integer(until: UInt8(ascii: ":"))
        guard length >= 0, length <= bytes.count - offset else {
          throw DecodeError(offset: offset, message: "string of \(length) bytes runs past the end")
        }
        defer { offset += Int(length) }
        return .bytes(Array(bytes[offset..<offset + Int(length)]))
      default:
        throw DecodeError(offset: offset, message: "unexpected byte 0x\(String(bytes[offset], radix: 16))")
      }
    }

    /// Consumes the `e` closing a list or dictionary, if it is next.
    mutating func atEnd() throws(DecodeError) -> Bool {
      guard offset < bytes.count else { throw DecodeError(offset: offset, message: "unexpected end of data") }
      guard bytes[offset] == UInt8(ascii: "e") else { return false }
      offset += 1
      return true
    }

    mutating func integer(until terminator: UInt8) throws(DecodeError) -> Int64 {
      let start = offset
      while offset < bytes.count && bytes[offset] != terminator { offset += 1 }
      guard offset < bytes.count else { throw DecodeError(offset: start, message: "unterminated number") }
      let text = String(decoding: bytes[start..<offset], as: UTF8.self)
      offset += 1
      guard let number = Int64(text), text.first != "+" else {
        throw DecodeError(offset: start, message: "'\(text)' is not a number")
      }
      return number
    }
  }
}

/// What slug needs from a .torrent file.
public enum TorrentMetainfo {
  /// The torrent's `info.name`; throws if the bytes are not a torrent.
  public static func name(of bytes: [UInt8]) throws(Bencode.DecodeError) -> String {
    let root = try Bencode.decode(bytes)
    guard case .dictionary = root, let info = root["info"], case .dictionary = info else {
      throw Bencode.DecodeError(offset: 0, message: "no 'info' dictionary")
    }
    guard case .bytes(let raw)? = info["name"], !raw.isEmpty, let name = String(validating: raw, as: UTF8.self)
    else {
      throw Bencode.DecodeError(offset: 0, message: "no 'info.name' text")
    }
    return name
  }
}
