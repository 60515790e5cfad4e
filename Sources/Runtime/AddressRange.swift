import CLibc

/// An IPv4 or IPv6 network in CIDR notation (`192.168.0.0/16`, `fd00::/8`; a bare address is
/// a /32 or /128), for a client access list.
public struct AddressRange: Equatable, Sendable, CustomStringConvertible {
  /// 16 bytes; IPv4 networks are kept IPv4-mapped (`::ffff:a.b.c.d`) so one comparison
  /// serves both families and dual-stack peers.
  let network: [UInt8]
  let prefixLength: Int

  public init?(_ text: String) {
    var addressText = text
    var length: Int?
    if let slash = text.utf8.firstIndex(of: 0x2F) {
      addressText = String(decoding: text.utf8[..<slash], as: UTF8.self)
      guard let bits = Int(String(decoding: text.utf8[text.utf8.index(after: slash)...], as: UTF8.self)) else { return nil }
      length = bits
    }
    var bytes: [UInt8]
    var maximum: Int
    if let ipv4 = SocketAddress.parseIPv4(addressText) {
      bytes = AddressRange.mapped(ipv4)
      maximum = 32
    } else {
      var address = in6_addr()
      guard inet_pton(AF_INET6, addressText, &address) == 1 else { return nil }
      bytes = withUnsafeBytes(of: address) { Array($0) }
      maximum = 128
    }
    let bits = length ?? maximum
    guard (0...maximum).contains(bits) else { return nil }
    self.init(bytes: bytes, prefixLength: bits + (128 - maximum))
  }

  /// The network of `address` with `prefixLength` bits (IPv4: of 32), e.g. an interface's
  /// address and the length of its netmask.
  public init(_ address: SocketAddress, prefixLength: Int) {
    let bytes = AddressRange.bytes(of: address)
    let maximum = address.ipv4Address == nil ? 128 : 32
    self.init(bytes: bytes, prefixLength: min(max(prefixLength, 0), maximum) + (128 - maximum))
  }

  private init(bytes: [UInt8], prefixLength: Int) {
    var bytes = bytes
    self.prefixLength = prefixLength
    for index in 0..<16 {
      let keep = max(0, min(8, prefixLength - index * 8))
      bytes[index] &= keep == 0 ? 0 : UInt8(0xFF) << UInt8(8 - keep)
    }
    network = bytes
  }

  /// The 16 bytes an address is compared as: IPv4 as IPv4-mapped.
  static func bytes(of address: SocketAddress) -> [UInt8] {
    if let ipv4 = address.ipv4Address { return mapped(ipv4) }
    guard case .ipv6(let bytes, _, _) = address, bytes.count == 16 else { return [UInt8](repeating: 0, count: 16) }
    return bytes
  }

  public func contains(_ peer: SocketAddress) -> Bool {
    let bytes = AddressRange.bytes(of: peer)
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
/// given with `--allow`, or the machine's own networks when none is given.
public struct AllowList: Equatable, Sendable {
  public static let loopback = ["127.0.0.0/8", "::1/128"]

  public let ranges: [AddressRange]

  /// From every `--allow` value; empty means loopback and the subnets the machine's interfaces
  /// are connected to (`networks`, read at start), link-local ones left out: every host on a
  /// wire has a link-local address, assigned by no one, and a LAN client uses the address the
  /// LAN gave it.
  public init(allowing texts: [String], networks: @autoclosure () -> LocalNetworks = .read()) throws(UsageError) {
    var ranges: [AddressRange] = []
    for text in texts.isEmpty ? AllowList.loopback : texts {
      guard let range = AddressRange(text) else {
        throw UsageError("--allow needs an address or CIDR (192.168.0.0/16, fd00::/8), not '\(text)'")
      }
      ranges.append(range)
    }
    if texts.isEmpty {
      for network in networks().networks where !ranges.contains(network) && !network.isLinkLocal {
        ranges.append(network)
      }
    }
    self.ranges = ranges
  }

  public func allows(_ peer: SocketAddress?) -> Bool {
    guard let peer else { return false }
    return ranges.contains { $0.contains(peer) }
  }
}
