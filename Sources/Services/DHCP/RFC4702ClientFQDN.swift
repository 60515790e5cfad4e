/// RFC 4702: option 81, the client's fully qualified name. Only its first label is used, as
/// for option 12: the server publishes names in its own domains.
extension DHCPOptionCode {
  public static let clientFQDN: UInt8 = 81
}

extension DHCPMessage {
  /// Option 81's name (flags, two obsolete RCODE bytes, then the name: DNS wire labels when
  /// the E flag is set, else ASCII), as dotted text; nil when absent, empty or malformed.
  public var clientFQDN: String? {
    guard let bytes = option(DHCPOptionCode.clientFQDN), bytes.count > 3 else { return nil }
    let name = bytes[3...]
    guard bytes[0] & 0x04 != 0 else { return String(decoding: name, as: UTF8.self) }
    var labels: [String] = []
    var position = name.startIndex
    while position < name.endIndex, name[position] != 0 {
      let end = position + 1 + Int(name[position])
      guard name[position] < 64, end <= name.endIndex else { return nil }
      labels.append(String(decoding: name[(position + 1)..<end], as: UTF8.self))
      position = end
    }
    return labels.isEmpty ? nil : labels.joined(separator: ".")
  }
}
