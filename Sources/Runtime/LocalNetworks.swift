import CLibc

/// The machine's own addresses, the networks its interfaces are connected to and their
/// broadcast addresses, as getifaddrs(3) reports them when a daemon starts.
public struct LocalNetworks: Equatable, Sendable {
  /// Every address an interface carries (port 0).
  public let addresses: [SocketAddress]
  /// The subnet of each of those addresses, from its netmask.
  public let networks: [AddressRange]
  /// The IPv4 subnets' broadcast addresses.
  public let broadcasts: [UInt32]

  public init(addresses: [SocketAddress], networks: [AddressRange], broadcasts: [UInt32] = []) {
    self.addresses = addresses
    self.networks = networks
    self.broadcasts = broadcasts
  }

  /// What the interfaces carry now; nothing when getifaddrs fails.
  public static func read() -> LocalNetworks {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0, let first = list else { return LocalNetworks(addresses: [], networks: []) }
    defer { freeifaddrs(list) }
    var addresses: [SocketAddress] = []
    var networks: [AddressRange] = []
    var broadcasts: [UInt32] = []
    for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
      guard let raw = entry.pointee.ifa_addr else { continue }
      let family = Int32(raw.pointee.sa_family)
      let length = family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size
      guard family == AF_INET || family == AF_INET6, let address = SocketAddress(raw, length: socklen_t(length)) else {
        continue
      }
      addresses.append(address)
      if let mask = entry.pointee.ifa_netmask, let netmask = SocketAddress(mask, length: socklen_t(length)) {
        let range = AddressRange(address, prefixLength: LocalNetworks.prefixLength(of: netmask))
        if !networks.contains(range) { networks.append(range) }
        // ifa_broadaddr shares its slot with the point-to-point peer: only a broadcast link has one.
        if let ipv4 = address.ipv4Address, let netmask = netmask.ipv4Address, netmask != 0xFFFF_FFFF,
          Int32(entry.pointee.ifa_flags) & Int32(IFF_BROADCAST) != 0
        {
          broadcasts.append(ipv4 | ~netmask)
        }
      }
    }
    return LocalNetworks(addresses: addresses, networks: networks, broadcasts: broadcasts)
  }

  /// The number of leading one bits of a netmask.
  static func prefixLength(of netmask: SocketAddress) -> Int {
    var count = 0
    for byte in AddressRange.bytes(of: netmask)[(netmask.ipv4Address == nil ? 0 : 12)...] {
      count += (~byte).leadingZeroBitCount
      if byte != 0xFF { return count }
    }
    return count
  }
}
