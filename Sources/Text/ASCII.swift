/// The ASCII byte helpers the protocol parsers share: case folding as protocols define it
/// (A-Z only), digits, hex, HTTP tokens, trimming.
public enum ASCII {
  public static let cr = UInt8(ascii: "\r")
  public static let lf = UInt8(ascii: "\n")
  public static let space = UInt8(ascii: " ")
  public static let tab = UInt8(ascii: "\t")
  public static let colon = UInt8(ascii: ":")

  /// A-Z as a-z, every other byte as it is: how protocols compare names (DNS names, RFC 4343;
  /// HTTP field names; SMTP verbs and domains; XMPP local parts and domains, as SQLite's NOCASE
  /// does).
  public static func lower(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
  }

  /// The text with A-Z made a-z and every other byte as it was (no Unicode case mapping, which
  /// protocols' case-insensitive names do not have).
  public static func lowercased(_ text: some StringProtocol) -> String {
    guard text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else { return String(text) }
    return String(decoding: text.utf8.map(lower), as: UTF8.self)
  }

  public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
  }

  public static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ text: StaticString) -> Bool {
    let count = text.utf8CodeUnitCount
    guard bytes.count == count else { return false }
    var index = 0
    let pointer = text.utf8Start
    for byte in bytes {
      if lower(byte) != lower(pointer[index]) { return false }
      index += 1
    }
    return true
  }

  public static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  public static func isAlphanumeric(_ byte: UInt8) -> Bool {
    isDigit(byte) || (lower(byte) >= UInt8(ascii: "a") && lower(byte) <= UInt8(ascii: "z"))
  }

  /// RFC 5234 VCHAR: printable, not a space, a control byte or DEL.
  public static func isVisible(_ byte: UInt8) -> Bool { byte > space && byte < 0x7F }

  /// RFC 9110 §5.6.2 tchar.
  public static func isTokenCharacter(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
      UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }

  public static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  public static func hexDigit(_ value: Int) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "A") + UInt8(value - 10)
  }

  /// Leading and trailing spaces and tabs removed.
  public static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
    var start = bytes.startIndex
    var end = bytes.endIndex
    while start < end, bytes[start] == space || bytes[start] == tab { start = bytes.index(after: start) }
    while end > start {
      let before = bytes.index(before: end)
      guard bytes[before] == space || bytes[before] == tab else { break }
      end = before
    }
    return bytes[start..<end]
  }

  /// The text without its leading and trailing spaces and tabs.
  public static func trimmed(_ text: some StringProtocol) -> String {
    String(decoding: trimmed(Array(text.utf8)), as: UTF8.self)
  }

  /// Decimal digits only, at most 18 of them (no overflow); nil otherwise.
  public static func decimal<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var value: Int64 = 0
    for byte in bytes {
      guard isDigit(byte) else { return nil }
      value = value * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    return value
  }
}

/// Byte-for-byte comparisons, for protocol text. `==`, `hasPrefix` and `hasSuffix` compare
/// Strings as Unicode (canonical equivalence, whole Characters), and the code and tables for
/// that are 100 KB of a daemon that otherwise never needs them (docs/design.md, "Text as
/// bytes"). For ASCII the answers are the same.
extension StringProtocol {
  public func bytesEqual(_ other: some StringProtocol) -> Bool { utf8.elementsEqual(other.utf8) }

  public func bytesHavePrefix(_ prefix: some StringProtocol) -> Bool { utf8.starts(with: prefix.utf8) }

  public func bytesHaveSuffix(_ suffix: some StringProtocol) -> Bool {
    utf8.count >= suffix.utf8.count && utf8.reversed().starts(with: suffix.utf8.reversed())
  }

  /// Whether the text holds BYTE (an ASCII character, as `UInt8(ascii:)`).
  public func containsByte(_ byte: UInt8) -> Bool { utf8.contains(byte) }

  /// Whether the text holds `part`, byte for byte.
  public func bytesContain(_ part: some StringProtocol) -> Bool {
    let needle = Array(part.utf8)
    guard let first = needle.first else { return true }
    var index = utf8.startIndex
    while let found = utf8[index...].firstIndex(of: first) {
      if utf8[found...].starts(with: needle) { return true }
      index = utf8.index(after: found)
    }
    return false
  }
}
