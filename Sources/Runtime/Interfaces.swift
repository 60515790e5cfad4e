import CLibc

/// Questions about the host's network interfaces and its name.
public enum Interfaces {
  /// The host's name (gethostname), for the names a daemon gives itself when none is
  /// configured; "localhost" when the host has none.
  public static func hostName() -> String {
    // HOST_NAME_MAX is 64 on Linux; the buffer leaves room for more and for the NUL.
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "localhost" : name
  }

  /// The hardware (MAC) address of the interface carrying IPv4 `address`; nil when no
  /// interface has it. Loopback reports six zero bytes.
  public static func hardwareAddress(ofIPv4 address: UInt32) -> [UInt8]? {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0, let first = list else { return nil }
    defer { freeifaddrs(list) }
    // Interface names as bytes, in a list: a String-keyed dictionary would bring Unicode's
    // normalisation (String hashing) into in.mvp.
    var interfaceName: [UInt8]?
    var hardware: [(name: [UInt8], address: [UInt8])] = []
    for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
      guard let socketAddress = entry.pointee.ifa_addr, let name = entry.pointee.ifa_name else { continue }
      let family = Int32(socketAddress.pointee.sa_family)
      let nameBytes = Array(UnsafeBufferPointer(start: name, count: strlen(name))).map { UInt8(bitPattern: $0) }
      if family == AF_INET {
        let local = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in.self)
        if UInt32(bigEndian: local.sin_addr.s_addr) == address { interfaceName = nameBytes }
      } else if family == AF_PACKET {
        hardware.append((nameBytes, linkLayerAddress(UnsafeRawPointer(socketAddress))))
      }
    }
    guard let interfaceName else { return nil }
    return hardware.last { $0.name == interfaceName }?.address ?? [0, 0, 0, 0, 0, 0]
  }

  /// The name of interface INDEX (if_indextoname); nil for 0 or an index no interface has.
  public static func name(ofIndex index: Int32) -> String? {
    guard index > 0 else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
    guard if_indextoname(UInt32(index), &buffer) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The index of interface NAME; 0 when there is none.
  public static func index(ofName name: String) -> Int32 {
    Int32(bitPattern: if_nametoindex(name))
  }

  /// The IPv4 addresses of interface NAME with their netmasks, in the kernel's order.
  public static func ipv4Addresses(of name: String) -> [(address: UInt32, mask: UInt32)] {
    var list: UnsafeMutablePointer<ifaddrs>?
    guard getifaddrs(&list) == 0, let first = list else { return [] }
    defer { freeifaddrs(list) }
    var found: [(address: UInt32, mask: UInt32)] = []
    for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
      guard let socketAddress = entry.pointee.ifa_addr, let netmask = entry.pointee.ifa_netmask,
        let entryName = entry.pointee.ifa_name, Int32(socketAddress.pointee.sa_family) == AF_INET,
        String(cString: entryName) == name
      else { continue }
      let address = UnsafeRawPointer(socketAddress).loadUnaligned(as: sockaddr_in.self)
      let mask = UnsafeRawPointer(netmask).loadUnaligned(as: sockaddr_in.self)
      found.append((UInt32(bigEndian: address.sin_addr.s_addr), UInt32(bigEndian: mask.sin_addr.s_addr)))
    }
    return found
  }

  /// struct sockaddr_ll (netpacket/packet.h, not visible to Swift): sll_halen at byte 11,
  /// sll_addr[8] from byte 12.
  private static func linkLayerAddress(_ address: UnsafeRawPointer) -> [UInt8] {
    let length = min(Int(address.load(fromByteOffset: 11, as: UInt8.self)), 8)
    let bytes = (0..<length).map { address.load(fromByteOffset: 12 + $0, as: UInt8.self) }
    return bytes.count == 6 ? bytes : [0, 0, 0, 0, 0, 0]
  }
}
