/// RFC 9110 §5: header fields kept in the order received, names as sent. Lookups compare names
/// ASCII case-insensitively, byte by byte (no Unicode tables, so the daemons stay small).

public enum HTTPVersion: Sendable, Equatable {
  case http10, http11

  /// "HTTP/1.0" or "HTTP/1.1".
  public var text: String {
    switch self {
    case .http10: "HTTP/1.0"
    case .http11: "HTTP/1.1"
    }
  }
}

public struct HTTPHeaders: Sendable, Equatable {
  public var fields: [(name: String, value: String)]

  public init() { fields = [] }

  public init(_ fields: [(name: String, value: String)]) { self.fields = fields }

  /// The first value of `name`, or nil.
  public func first(_ name: String) -> String? {
    for field in fields where ASCII.equalsIgnoringCase(field.name, name) { return field.value }
    return nil
  }

  /// Every value of `name`, in order.
  public func all(_ name: String) -> [String] {
    var values: [String] = []
    for field in fields where ASCII.equalsIgnoringCase(field.name, name) { values.append(field.value) }
    return values
  }

  public func contains(_ name: String) -> Bool { first(name) != nil }

  public mutating func remove(_ name: String) {
    fields.removeAll { ASCII.equalsIgnoringCase($0.name, name) }
  }

  public mutating func add(_ name: String, _ value: String) { fields.append((name: name, value: value)) }

  /// Removes every `name` field, then adds one.
  public mutating func replace(_ name: String, _ value: String) {
    remove(name)
    add(name, value)
  }

  /// The comma-separated elements of every `name` field (RFC 9110 §5.6.1), trimmed of
  /// whitespace, empty elements dropped.
  public func list(_ name: String) -> [String] {
    var elements: [String] = []
    for value in all(name) {
      for element in value.utf8.split(separator: UInt8(ascii: ",")) {
        let trimmed = ASCII.trimmed(element)
        if !trimmed.isEmpty { elements.append(String(decoding: trimmed, as: UTF8.self)) }
      }
    }
    return elements
  }

  /// Whether the comma-separated list `name` holds `token` (ASCII case-insensitive).
  public func listContains(_ name: String, _ token: String) -> Bool {
    list(name).contains { ASCII.equalsIgnoringCase($0, token) }
  }

  public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
    guard lhs.fields.count == rhs.fields.count else { return false }
    for (left, right) in zip(lhs.fields, rhs.fields) {
      if !left.name.utf8.elementsEqual(right.name.utf8) || !left.value.utf8.elementsEqual(right.value.utf8) {
        return false
      }
    }
    return true
  }
}

/// Byte-level ASCII helpers shared by the HTTP files.
enum ASCII {
  static let cr = UInt8(ascii: "\r")
  static let lf = UInt8(ascii: "\n")
  static let space = UInt8(ascii: " ")
  static let tab = UInt8(ascii: "\t")
  static let colon = UInt8(ascii: ":")

  static func lower(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
  }

  static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8) { lower($0) == lower($1) }
  }

  static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ text: StaticString) -> Bool {
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

  static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  /// RFC 9110 §5.6.2 tchar.
  static func isTokenCharacter(_ byte: UInt8) -> Bool {
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

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  static func hexDigit(_ value: Int) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "A") + UInt8(value - 10)
  }

  /// Leading and trailing spaces and tabs removed.
  static func trimmed<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
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

  /// Decimal digits only, at most 18 of them (no overflow); nil otherwise.
  static func decimal<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var value: Int64 = 0
    for byte in bytes {
      guard isDigit(byte) else { return nil }
      value = value * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    return value
  }

  static func hex(_ value: Int) -> [UInt8] {
    if value == 0 { return [UInt8(ascii: "0")] }
    var digits: [UInt8] = []
    var rest = value
    while rest > 0 {
      digits.append(hexDigit(rest & 15))
      rest >>= 4
    }
    return digits.reversed()
  }
}
