/// What an address is when it is not an ordinary unicast address of another host: the machine
/// itself (loopback, its own addresses, the unspecified address, which connects to itself), a
/// link's neighbours by link-local address, or not a single host at all. in.proxy refuses
/// these destinations unless the admin opened them.
public enum AddressScope: Equatable, Sendable, CustomStringConvertible {
  case loopback
  case unspecified
  case thisMachine
  case linkLocal
  case multicast
  case broadcast
  /// 240.0.0.0/4, reserved ("class E"): no host has one.
  case reserved

  /// nil for an ordinary unicast address of another host. IPv4-mapped (`::ffff:a.b.c.d`),
  /// IPv4-translated (`::ffff:0:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) IPv6 addresses
  /// are judged by the IPv4 address they carry.
  public static func of(_ address: SocketAddress, on machine: LocalNetworks) -> AddressScope? {
    let bytes = AddressRange.bytes(of: address)
    if machine.addresses.contains(where: { AddressRange.bytes(of: $0) == bytes }) {
      return scopeOfBytes(bytes) ?? .thisMachine
    }
    if let ipv4 = embeddedIPv4(bytes) {
      if machine.broadcasts.contains(ipv4) { return .broadcast }
      if machine.addresses.contains(where: { $0.ipv4Address == ipv4 }) { return scopeOfIPv4(ipv4) ?? .thisMachine }
      return scopeOfIPv4(ipv4)
    }
    return scopeOfBytes(bytes)
  }

  static func scopeOfBytes(_ bytes: [UInt8]) -> AddressScope? {
    if let ipv4 = embeddedIPv4(bytes) { return scopeOfIPv4(ipv4) }
    if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
    if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
    if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return .linkLocal }
    if bytes[0] == 0xFF { return .multicast }
    return nil
  }

  static func scopeOfIPv4(_ address: UInt32) -> AddressScope? {
    switch address >> 24 {
    case 0: return .unspecified
    case 127: return .loopback
    case 224...239: return .multicast
    case 240...255: return address == 0xFFFF_FFFF ? .broadcast : .reserved
    default: return address >> 16 == 0xA9FE ? .linkLocal : nil
    }
  }

  /// The IPv4 address inside an IPv4-mapped, -translated or -compatible IPv6 address; nil for
  /// any other (`::` and `::1` are IPv6's own).
  static func embeddedIPv4(_ bytes: [UInt8]) -> UInt32? {
    let ipv4 = bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard bytes[0..<8].allSatisfy({ $0 == 0 }) else { return nil }
    switch (bytes[8], bytes[9], bytes[10], bytes[11]) {
    case (0, 0, 0xFF, 0xFF), (0xFF, 0xFF, 0, 0): return ipv4
    case (0, 0, 0, 0): return ipv4 > 1 ? ipv4 : nil
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .loopback: "a loopback address"
    case .unspecified: "the unspecified address (this machine)"
    case .thisMachine: "an address of this machine"
    case .linkLocal: "a link-local address"
    case .multicast: "a multicast address"
    case .broadcast: "a broadcast address"
    case .reserved: "a reserved address"
    }
  }
}

extension AddressRange {
  /// A network inside 169.254.0.0/16 or fe80::/10.
  public var isLinkLocal: Bool {
    AddressScope.scopeOfBytes(network) == .linkLocal && prefixLength >= (AddressScope.embeddedIPv4(network) == nil ? 10 : 112)
  }
}
