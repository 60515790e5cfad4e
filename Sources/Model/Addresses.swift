/// Addresses as the store keeps them: parsed strictly, printed in one canonical form, so two
/// spellings of the same address are the same record.

/// An IPv4 address. Parses only the strict dotted quad (`192.168.0.1`): no leading zeros,
/// no shorthand forms such as `10.1`, which inet_aton would take and nobody means.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var value: UInt32

  public init(_ value: UInt32) { self.value = value }

  public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
    value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
  }

  public init?<S: StringProtocol>(_ text: S) {
    // One pass over the bytes: in.dns parses every stored address at each (re)load.
    var result: UInt32 = 0
    var dots = 0
    var octet: UInt32 = 0
    var digits = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: ".") {
        guard digits > 0, dots < 3 else { return nil }
        result = result << 8 | octet
        dots += 1
        octet = 0
        digits = 0
      } else {
        // At most three digits, no leading zero, at most 255.
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3, digits == 0 || octet != 0
        else { return nil }
        octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
        digits += 1
        guard octet <= 255 else { return nil }
      }
    }
    guard digits > 0, dots == 3 else { return nil }
    value = result << 8 | octet
  }

  public var bytes: [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
  }

  public var description: String {
    "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
  }

  /// The in-addr.arpa name of this address, without a trailing dot.
  public var reverseName: String {
    "\(value & 0xff).\(value >> 8 & 0xff).\(value >> 16 & 0xff).\(value >> 24).in-addr.arpa"
  }

  public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// An IPv6 address, printed in the RFC 5952 canonical form (lower case, longest run of zero
/// groups compressed, IPv4-mapped addresses with a dotted tail).
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
  /// The eight 16-bit groups, most significant first.
  public var groups: [UInt16]

  public init(groups: [UInt16]) {
    precondition(groups.count == 8)
    self.groups = groups
  }

  public init?<S: StringProtocol>(_ text: S) {
    let text = String(text)
    guard !text.isEmpty, text.utf8.count <= 45 else { return nil }
    let halves = text.components(separatedByString: "::")
    guard halves.count <= 2 else { return nil }
    guard let head = Self.parseGroups(halves[0], allowIPv4Tail: halves.count == 1) else {
      return nil
    }
    if halves.count == 1 {
      guard head.count == 8 else { return nil }
      groups = head
      return
    }
    guard let tail = Self.parseGroups(halves[1], allowIPv4Tail: true),
      head.count + tail.count <= 7
    else { return nil }
    groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
  }

  private static func parseGroups(_ text: String, allowIPv4Tail: Bool) -> [UInt16]? {
    if text.isEmpty { return [] }
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    var result: [UInt16] = []
    for (index, part) in parts.enumerated() {
      if index == parts.count - 1, allowIPv4Tail, part.contains(".") {
        guard let v4 = IPv4Address(part) else { return nil }
        result.append(UInt16(v4.value >> 16))
        result.append(UInt16(v4.value & 0xffff))
        continue
      }
      guard (1...4).contains(part.utf8.count), let group = UInt16(part, radix: 16) else {
        return nil
      }
      result.append(group)
    }
    return result
  }

  public var bytes: [UInt8] { groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } }

  public init?(bytes: [UInt8]) {
    guard bytes.count == 16 else { return nil }
    groups = (0..<8).map { UInt16(bytes[2 * $0]) << 8 | UInt16(bytes[2 * $0 + 1]) }
  }

  public var description: String {
    if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xffff {
      let v4 = IPv4Address(UInt32(groups[6]) << 16 | UInt32(groups[7]))
      return "::ffff:\(v4)"
    }
    // The longest run of two or more zero groups (the first, on a tie) becomes "::".
    var bestStart = -1
    var bestLength = 1
    var index = 0
    while index < 8 {
      guard groups[index] == 0 else {
        index += 1
        continue
      }
      var end = index
      while end < 8 && groups[end] == 0 { end += 1 }
      if end - index > bestLength {
        bestStart = index
        bestLength = end - index
      }
      index = end
    }
    let hex = groups.map { String($0, radix: 16) }
    if bestStart < 0 { return hex.joined(separator: ":") }
    let head = hex[..<bestStart].joined(separator: ":")
    let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
    return head + "::" + tail
  }

  /// The ip6.arpa name of this address, without a trailing dot.
  public var reverseName: String {
    var nibbles: [String] = []
    for byte in bytes.reversed() {
      nibbles.append(String(byte & 0xf, radix: 16))
      nibbles.append(String(byte >> 4, radix: 16))
    }
    return nibbles.joined(separator: ".") + ".ip6.arpa"
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    lhs.groups.lexicographicallyPrecedes(rhs.groups)
  }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
  case v4(IPv4Address)
  case v6(IPv6Address)

  public init?<S: StringProtocol>(_ text: S) {
    if let v4 = IPv4Address(text) {
      self = .v4(v4)
    } else if let v6 = IPv6Address(text) {
      self = .v6(v6)
    } else {
      return nil
    }
  }

  public var description: String {
    switch self {
    case .v4(let address): address.description
    case .v6(let address): address.description
    }
  }

  public var reverseName: String {
    switch self {
    case .v4(let address): address.reverseName
    case .v6(let address): address.reverseName
    }
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    switch (lhs, rhs) {
    case (.v4(let a), .v4(let b)): a < b
    case (.v6(let a), .v6(let b)): a < b
    case (.v4, .v6): true
    case (.v6, .v4): false
    }
  }
}

/// An Ethernet (EUI-48) hardware address. Accepts `aa:bb:cc:dd:ee:ff`, `AA-BB-CC-DD-EE-FF`,
/// `aabb.ccdd.eeff` and `aabbccddeeff`; single-digit octets (`0:d:fe:...`, as /etc/ethers may
/// hold) are accepted in the colon form. Prints lower case with colons.
public struct MACAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var bytes: [UInt8]

  public init?(bytes: [UInt8]) {
    guard bytes.count == 6 else { return nil }
    self.bytes = bytes
  }

  public init?<S: StringProtocol>(_ text: S) {
    let text = String(text)
    for separator: Character in [":", "-"] where text.contains(separator) {
      let parts = text.split(separator: separator, omittingEmptySubsequences: false)
      guard parts.count == 6 else { return nil }
      var result: [UInt8] = []
      for part in parts {
        guard (1...2).contains(part.utf8.count), part.allSatisfy({ $0.isHexDigit }),
          let byte = UInt8(part, radix: 16)
        else { return nil }
        result.append(byte)
      }
      bytes = result
      return
    }
    let digits = text.contains(".") ? text.split(separator: ".").joined() : text
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard digits.utf8.count == 12, digits.allSatisfy({ $0.isHexDigit }),
      !text.contains(".") || (parts.count == 3 && parts.allSatisfy { $0.utf8.count == 4 })
    else { return nil }
    var result: [UInt8] = []
    var index = digits.startIndex
    for _ in 0..<6 {
      let next = digits.index(index, offsetBy: 2)
      guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
      result.append(byte)
      index = next
    }
    bytes = result
  }

  /// `aa:bb:cc:dd:ee:ff`
  public var description: String { formatted(uppercase: false) }

  /// The colon-separated form, in upper case for the original in.dhcp files.
  public func formatted(uppercase: Bool) -> String {
    bytes.map { byte in
      let hex = String(byte, radix: 16, uppercase: uppercase)
      return byte < 16 ? "0" + hex : hex
    }.joined(separator: ":")
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
  }
}

extension String {
  /// Splits on a multi-character separator, keeping empty pieces (Foundation-free, and byte by
  /// byte: Embedded Swift has no `firstRange(of:)`).
  func components(separatedByString separator: String) -> [String] {
    let separator = Array(separator.utf8)
    let bytes = Array(utf8)
    guard !separator.isEmpty else { return [self] }
    var pieces: [String] = []
    var start = 0
    var index = 0
    while index + separator.count <= bytes.count {
      if bytes[index..<index + separator.count].elementsEqual(separator) {
        pieces.append(String(decoding: bytes[start..<index], as: UTF8.self))
        index += separator.count
        start = index
      } else {
        index += 1
      }
    }
    pieces.append(String(decoding: bytes[start...], as: UTF8.self))
    return pieces
  }
}
