import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The little of DER (X.690) that reading and writing certificates needs: tag-length-value
/// nodes, names, times and general names. Lengths are checked against what is there, so a
/// damaged file is an error, never a read past the end.
enum DER {
  struct Node {
    var tag: UInt8
    var content: ArraySlice<UInt8>
  }

  /// The nodes one after another in `bytes`.
  static func nodes(_ bytes: ArraySlice<UInt8>) throws(Certificate.Malformed) -> [Node] {
    var nodes: [Node] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let tag = bytes[index]
      index += 1
      guard index < bytes.endIndex else { throw Certificate.Malformed(reason: "truncated DER") }
      var length = Int(bytes[index])
      index += 1
      if length & 0x80 != 0 {
        let count = length & 0x7F
        guard (1...4).contains(count), bytes.endIndex - index >= count else { throw Certificate.Malformed(reason: "a bad DER length") }
        length = bytes[index..<index + count].reduce(0) { $0 << 8 | Int($1) }
        index += count
      }
      guard bytes.endIndex - index >= length else { throw Certificate.Malformed(reason: "truncated DER") }
      nodes.append(Node(tag: tag, content: bytes[index..<index + length]))
      index += length
    }
    return nodes
  }

  private static let attributeNames: [[UInt8]: String] = [
    [0x55, 0x04, 0x03]: "CN", [0x55, 0x04, 0x0A]: "O", [0x55, 0x04, 0x0B]: "OU", [0x55, 0x04, 0x06]: "C",
    [0x55, 0x04, 0x08]: "ST", [0x55, 0x04, 0x07]: "L",
  ]

  /// A Name as `CN=..., O=...`, in the certificate's order.
  static func distinguishedName(_ node: Node) throws(Certificate.Malformed) -> String {
    var parts: [String] = []
    for set in try nodes(node.content) {
      for attribute in try nodes(set.content) {
        let pair = try nodes(attribute.content)
        guard pair.count == 2, pair[0].tag == 0x06 else { continue }
        let key = attributeNames[Array(pair[0].content)] ?? "OID." + Hex.lowercase(pair[0].content)
        parts.append(key + "=" + String(decoding: pair[1].content, as: UTF8.self))
      }
    }
    return parts.joined(separator: ", ")
  }

  /// A UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as Unix seconds.
  static func time(_ node: Node) throws(Certificate.Malformed) -> Int64 {
    let text = Array(node.content)
    let yearDigits = node.tag == 0x17 ? 2 : 4
    guard node.tag == 0x17 || node.tag == 0x18, text.count == yearDigits + 11, text.last == UInt8(ascii: "Z"),
      text.dropLast().allSatisfy({ (0x30...0x39).contains($0) })
    else { throw Certificate.Malformed(reason: "a time that is not UTC") }
    func number(_ start: Int, _ count: Int) -> Int64 { text[start..<start + count].reduce(0) { $0 * 10 + Int64($1 - 0x30) } }
    var year = number(0, yearDigits)
    if yearDigits == 2 { year += year < 50 ? 2000 : 1900 }
    let at = yearDigits
    let days = CivilDate.days(year: year, month: Int(number(at, 2)), day: Int(number(at + 2, 2)))
    return days * 86400 + number(at + 4, 2) * 3600 + number(at + 6, 2) * 60 + number(at + 8, 2)
  }

  /// GeneralNames as `DNS:name`, `IP:address`, `email:...`, `URI:...`.
  static func generalNames(_ bytes: ArraySlice<UInt8>) throws(Certificate.Malformed) -> [String] {
    let outer = try nodes(bytes)
    guard outer.count == 1, outer[0].tag == 0x30 else { throw Certificate.Malformed(reason: "malformed subject alternative names") }
    return try nodes(outer[0].content).compactMap { name in
      switch name.tag {
      case 0x82: return "DNS:" + String(decoding: name.content, as: UTF8.self)
      case 0x87: return Address.text(Array(name.content)).map { "IP:" + $0 }
      case 0x81: return "email:" + String(decoding: name.content, as: UTF8.self)
      case 0x86: return "URI:" + String(decoding: name.content, as: UTF8.self)
      default: return nil
      }
    }
  }

  /// The subjectAltName value for DNS names and addresses (4 or 16 bytes each).
  static func encodeGeneralNames(names: [String], addresses: [[UInt8]]) -> [UInt8] {
    var content: [UInt8] = []
    for name in names { content += encode(tag: 0x82, Array(name.utf8)) }
    for address in addresses { content += encode(tag: 0x87, address) }
    return encode(tag: 0x30, content)
  }

  static func encode(tag: UInt8, _ content: [UInt8]) -> [UInt8] {
    let count = content.count
    if count < 0x80 { return [tag, UInt8(count)] + content }
    var length: [UInt8] = []
    var rest = count
    while rest > 0 {
      length.insert(UInt8(rest & 0xFF), at: 0)
      rest >>= 8
    }
    return [tag, 0x80 | UInt8(length.count)] + length + content
  }

  /// IP address text and bytes, through inet_pton and inet_ntop.
  enum Address {
    static func bytes(_ text: String) -> [UInt8]? {
      var v4 = in_addr()
      if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
      var v6 = in6_addr()
      if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
      return nil
    }

    static func text(_ bytes: [UInt8]) -> String? {
      guard bytes.count == 4 || bytes.count == 16 else { return nil }
      var buffer = [CChar](repeating: 0, count: 64)
      let family = bytes.count == 4 ? AF_INET : AF_INET6
      guard inet_ntop(family, bytes, &buffer, socklen_t(buffer.count)) != nil else { return nil }
      return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
  }
}
