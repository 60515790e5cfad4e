/// DHCP client identifiers as dnsmasq writes them: hex bytes separated by colons (`01:0a:ff`).
enum HexBytes {
  /// Parses `01:0a:ff` (one or two hex digits a byte); nil if TEXT is not that form.
  static func parse<S: StringProtocol>(_ text: S) -> [UInt8]? {
    var bytes: [UInt8] = []
    for part in text.split(separator: ":", omittingEmptySubsequences: false) {
      guard (1...2).contains(part.utf8.count), part.allSatisfy({ $0.isHexDigit }),
        let byte = UInt8(part, radix: 16)
      else { return nil }
      bytes.append(byte)
    }
    return bytes
  }

  /// `01:0a:ff`
  static func format(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined(separator: ":")
  }
}
