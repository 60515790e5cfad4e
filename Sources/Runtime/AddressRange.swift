import CLibc

/// An IPv4 or IPv6 network in CIDR notation (`192.168.0.0/16`, `fd00::/8`; a bare address is
/// a /32 or /128), for a client access list.
public struct AddressRange: Equatable, Sendable, CustomStringConvertible {
  /// 16 bytes; IPv4 networks are kept IPv4-mapped (`::ffff:a.b.c.d`) so one comparison
  /// serves both families and dual-stack peers.
  let network: [UInt8]
  let prefixLength: Int

  public init?(_ text: String) {
    var addressText = Substring(text)
    var length: Int?
    if let slash = text.firstIndex(of: "/") {
      addressText = text[..<slash]
      guard let bits = Int(text[text.index(after: slash)...]) else { return nil }
      length = bits
    }
    var bytes: [UInt8]
    var maximum: Int
    if let ipv4 = SocketAddress.parseIPv4(String(addressText)) {
      bytes = AddressRange.mapped(ipv4)
      maximum = 32
    } else {
      var address = in6_addr()
      guard inet_pton(AF_INET6, String(addressText), &address) == 1 else { return nil }
      bytes = withUnsafeBytes(of: address) { Array($0) }
      maximum = 128
    }
    let bits = length ?? maximum
    guard (0...maximum).contains(bits) else { return nil }
    prefixLength = bits + (128 - maximum)
    for index in 0..<16 {
      let keep = max(0, min(8, prefixLength - index * 8))
      bytes[index] &= keep == 0 ? 0 : UInt8(0xFF) << UInt8(8 - keep)
    }
    network = bytes
  }

  public func contains(_ peer: SocketAddress) -> Bool {
    let bytes: [UInt8]
    if let ipv4 = peer.ipv4Address {
      bytes = AddressRange.mapped(ipv4)
    } else if case .ipv6(let address, _, _) = peer {
      bytes = address
    } else {
      return false
    }
    for index in 0..<16 {
      let keep = max(0, min(8, prefixLength - index * 8))
      if keep == 0 { return true }
      let mask = UInt8(0xFF) << UInt8(8 - keep)
      if bytes[index] & mask != network[index] { return false }
    }
    return true
  }

  /// The network as it applies (host bits cleared): `10.0.0.0/8`, `fe80::/10`.
  public var description: String {
    let address = SocketAddress.ipv6(address: network, port: 0, scopeID: 0)
    if prefixLength >= 96, let ipv4 = address.ipv4Address {
      return "\(SocketAddress.dottedQuad(ipv4))/\(prefixLength - 96)"
    }
    return "\(address.host)/\(prefixLength)"
  }

  static func mapped(_ ipv4: UInt32) -> [UInt8] {
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + (0..<4).map { UInt8(ipv4 >> (24 - 8 * $0) & 0xFF) }
  }
}

/// Which clients a service serves fully (in.proxy: at all; in.smtp: as relays): the networks
/// given with `--allow`, or loopback and the private ranges when none is given.
public struct AllowList: Equatable, Sendable {
  public static let privateRanges = [
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10",
  ]

  public let ranges: [AddressRange]

  /// From every `--allow` value; empty means the private ranges.
  public init(allowing texts: [String]) throws(UsageError) {
    var ranges: [AddressRange] = []
    for text in texts.isEmpty ? AllowList.privateRanges : texts {
      guard let range = AddressRange(text) else {
        throw UsageError("--allow needs an address or CIDR (192.168.0.0/16, fd00::/8), not '\(text)'")
      }
      ranges.append(range)
    }
    self.ranges = ranges
  }

  public func allows(_ peer: SocketAddress?) -> Bool {
    guard let peer else { return false }
    return ranges.contains { $0.contains(peer) }
  }
}
