import CLibc

/// An IPv4 or IPv6 socket address in host byte order, convertible to and from `sockaddr`.
public enum SocketAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
  case ipv4(address: UInt32, port: UInt16)
  case ipv6(address: [UInt8], port: UInt16, scopeID: UInt32)

  public var port: UInt16 {
    switch self {
    case .ipv4(_, let port), .ipv6(_, let port, _): port
    }
  }

  /// The IPv4 address, also for an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) as a
  /// dual-stack socket reports IPv4 peers.
  public var ipv4Address: UInt32? {
    switch self {
    case .ipv4(let address, _):
      return address
    case .ipv6(let bytes, _, _):
      guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF,
        bytes[11] == 0xFF
      else { return nil }
      return bytes[12...].reduce(0) { $0 << 8 | UInt32($1) }
    }
  }

  /// The address as text; an IPv4-mapped one (a dual-stack socket's IPv4 peer) as the IPv4
  /// address it is, so logs, CGI's REMOTE_ADDR and Received headers name the client one way.
  public var host: String {
    if let ipv4 = ipv4Address { return SocketAddress.dottedQuad(ipv4) }
    switch self {
    case .ipv4(let address, _):
      return SocketAddress.dottedQuad(address)
    case .ipv6(let bytes, _, _):
      return SocketAddress.ipv6Text(bytes)
    }
  }

  /// An IPv6 address as inet_ntop (glibc's) writes it: lowercase hex groups without leading
  /// zeros, the longest run of two or more zero groups (the first of equals) as `::`, and an
  /// IPv4-mapped or IPv4-compatible address with its last 32 bits as a dotted quad. Ours, so
  /// that no daemon links libc's inet_ntop, which brings printf (it formats with snprintf).
  public static func ipv6Text(_ bytes: [UInt8]) -> String {
    guard bytes.count >= 16 else { return "?" }
    var groups = [UInt16](repeating: 0, count: 8)
    for index in 0..<8 { groups[index] = UInt16(bytes[2 * index]) << 8 | UInt16(bytes[2 * index + 1]) }
    var best = (start: -1, count: 0)
    var index = 0
    while index < 8 {
      var end = index
      while end < 8 && groups[end] == 0 { end += 1 }
      if end - index > best.count { best = (index, end - index) }
      index = max(end, index + 1)
    }
    if best.count < 2 { best = (-1, 0) }
    let hex: [UInt8] = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    index = 0
    while index < 8 {
      if index == best.start {
        text += [0x3A, 0x3A]
        index += best.count
        continue
      }
      if index == 6 && best.start == 0 && (best.count == 6 || (best.count == 5 && groups[5] == 0xFFFF)) {
        let quad = UInt32(bytes[12]) << 24 | UInt32(bytes[13]) << 16 | UInt32(bytes[14]) << 8 | UInt32(bytes[15])
        if text.last != 0x3A { text.append(0x3A) }
        text += Array(dottedQuad(quad).utf8)
        break
      }
      if !text.isEmpty && text.last != 0x3A { text.append(0x3A) }
      let group = groups[index]
      var started = false
      for shift in stride(from: 12, through: 0, by: -4) {
        let digit = Int(group >> UInt16(shift) & 0xF)
        if digit != 0 || started || shift == 0 {
          text.append(hex[digit])
          started = true
        }
      }
      index += 1
    }
    return String(decoding: text, as: UTF8.self)
  }

  public var description: String {
    ipv4Address != nil ? "\(host):\(port)" : "[\(host)]:\(port)"
  }

  /// Parses a strict dotted-quad IPv4 address (inet_pton: no shorthand, no octal).
  public static func parseIPv4(_ text: String) -> UInt32? {
    var address = in_addr()
    guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
    return UInt32(bigEndian: address.s_addr)
  }

  /// The IPv4 destination in the family of `socket`: an IPv6 (dual-stack) socket reaches IPv4
  /// peers through IPv4-mapped addresses.
  public static func ipv4(_ address: UInt32, port: UInt16, sameFamilyAs socket: SocketAddress) -> SocketAddress {
    guard case .ipv6 = socket else { return .ipv4(address: address, port: port) }
    let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + (0..<4).map { UInt8(address >> (24 - 8 * $0) & 0xFF) }
    return .ipv6(address: mapped, port: port, scopeID: 0)
  }

  public static func dottedQuad(_ address: UInt32) -> String {
    "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
  }

  /// Reads an AF_INET or AF_INET6 address; nil for any other family.
  public init?(_ storage: UnsafeRawPointer, length: socklen_t) {
    let family = storage.load(as: sa_family_t.self)
    if Int32(family) == AF_INET, Int(length) >= MemoryLayout<sockaddr_in>.size {
      let address = storage.loadUnaligned(as: sockaddr_in.self)
      self = .ipv4(address: UInt32(bigEndian: address.sin_addr.s_addr), port: UInt16(bigEndian: address.sin_port))
    } else if Int32(family) == AF_INET6, Int(length) >= MemoryLayout<sockaddr_in6>.size {
      let address = storage.loadUnaligned(as: sockaddr_in6.self)
      let bytes = withUnsafeBytes(of: address.sin6_addr) { Array($0) }
      self = .ipv6(address: bytes, port: UInt16(bigEndian: address.sin6_port), scopeID: address.sin6_scope_id)
    } else {
      return nil
    }
  }

  /// Calls `body` with this address as a `sockaddr` and its length.
  public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
    switch self {
    case .ipv4(let address, let port):
      var native = sockaddr_in()
      native.sin_family = sa_family_t(AF_INET)
      native.sin_port = port.bigEndian
      native.sin_addr.s_addr = address.bigEndian
      return withUnsafeBytes(of: &native) {
        body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
      }
    case .ipv6(let bytes, let port, let scopeID):
      var native = sockaddr_in6()
      native.sin6_family = sa_family_t(AF_INET6)
      native.sin6_port = port.bigEndian
      native.sin6_scope_id = scopeID
      withUnsafeMutableBytes(of: &native.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
      return withUnsafeBytes(of: &native) {
        body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
      }
    }
  }

  /// The local address of socket `fd` (getsockname).
  public static func local(of fd: Int32) -> SocketAddress? {
    if fd <= 1, let handedOver = TLSHandoff.client { return handedOver.local }
    return query(fd, getsockname)
  }

  /// The remote address of socket `fd` (getpeername); nil for an unconnected socket. Once the
  /// connection on fds 0 and 1 went to the TLS helper, fds 0 and 1 are its socketpair, and
  /// this still names the client (and `local(of:)` the address it reached).
  public static func peer(of fd: Int32) -> SocketAddress? {
    if fd <= 1, let handedOver = TLSHandoff.client { return handedOver.peer }
    return query(fd, getpeername)
  }

  private static func query(
    _ fd: Int32, _ call: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
  ) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    return withUnsafeMutableBytes(of: &storage) { raw in
      let pointer = raw.baseAddress!.assumingMemoryBound(to: sockaddr.self)
      guard call(fd, pointer, &length) == 0 else { return nil }
      return SocketAddress(raw.baseAddress!, length: length)
    }
  }
}
