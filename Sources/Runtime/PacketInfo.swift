/// The IP_PKTINFO / IPV6_PKTINFO ancillary data of one received datagram.
struct PacketInfo {
  var localIPv4: UInt32 = 0
  var localIPv6: [UInt8] = []
  var interfaceIndex: Int32 = 0

  private static let levelIP: Int32 = 0  // IPPROTO_IP
  private static let levelIPv6: Int32 = 41  // IPPROTO_IPV6
  private static let typeIPv4: Int32 = 8  // IP_PKTINFO
  private static let typeIPv6: Int32 = 50  // IPV6_PKTINFO
  /// struct cmsghdr on LP64 Linux: size_t len, int level, int type; data 8-byte aligned.
  private static let headerSize = 16

  /// Walks the control messages by hand: the CMSG_* macros are not visible to Swift.
  init(control: ArraySlice<UInt8>) {
    let bytes = Array(control)
    var offset = 0
    while offset + PacketInfo.headerSize <= bytes.count {
      let length = Int(PacketInfo.integer(bytes, offset, 8))
      let level = Int32(truncatingIfNeeded: PacketInfo.integer(bytes, offset + 8, 4))
      let type = Int32(truncatingIfNeeded: PacketInfo.integer(bytes, offset + 12, 4))
      guard length >= PacketInfo.headerSize, offset + length <= bytes.count else { break }
      let data = offset + PacketInfo.headerSize
      if level == PacketInfo.levelIP, type == PacketInfo.typeIPv4, length >= PacketInfo.headerSize + 12 {
        // struct in_pktinfo: int ifindex, in_addr spec_dst (local address), in_addr addr (header destination)
        interfaceIndex = Int32(truncatingIfNeeded: PacketInfo.integer(bytes, data, 4))
        let specificDestination = PacketInfo.networkOrder(bytes, data + 4)
        let headerDestination = PacketInfo.networkOrder(bytes, data + 8)
        localIPv4 = specificDestination != 0 ? specificDestination : PacketInfo.unicastOrZero(headerDestination)
      } else if level == PacketInfo.levelIPv6, type == PacketInfo.typeIPv6, length >= PacketInfo.headerSize + 20 {
        // struct in6_pktinfo: in6_addr addr, unsigned ifindex
        localIPv6 = Array(bytes[data..<data + 16])
        interfaceIndex = Int32(truncatingIfNeeded: PacketInfo.integer(bytes, data + 16, 4))
      }
      offset += (length + 7) & ~7
    }
  }

  func localAddress(port: UInt16) -> SocketAddress? {
    if localIPv4 != 0 { return .ipv4(address: localIPv4, port: port) }
    // A multicast destination is no address to answer from either.
    if !localIPv6.isEmpty, !localIPv6.allSatisfy({ $0 == 0 }), localIPv6[0] != 0xFF {
      return .ipv6(address: localIPv6, port: port, scopeID: UInt32(bitPattern: interfaceIndex))
    }
    return nil
  }

  /// Native-endian (little-endian on the targets we build for) integer of `size` bytes.
  private static func integer(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> UInt64 {
    (0..<size).reversed().reduce(0) { $0 << 8 | UInt64(bytes[offset + $1]) }
  }

  private static func networkOrder(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
  }

  /// A broadcast or multicast header destination is no address to answer from.
  private static func unicastOrZero(_ address: UInt32) -> UInt32 {
    address == 0xFFFF_FFFF || address >> 28 == 0xE ? 0 : address
  }
}
