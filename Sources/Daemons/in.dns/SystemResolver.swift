import CLibc

/// --relay: names that are not in the data are looked up with the system resolver
/// (getaddrinfo / getnameinfo: /etc/hosts, then whatever nsswitch.conf says), as the
/// original's USE_NSS build did.
enum SystemResolver {
  /// glibc's EAI_NODATA (a GNU extension, hidden from Swift): the name exists, without
  /// addresses of the family asked for.
  private static let noData: Int32 = -5
  /// glibc's NI_MAXHOST, the longest name getnameinfo writes, with its NUL.
  private static let maximumHostLength = 1025

  static func answer(_ question: RelayQuestion) -> RelayAnswer {
    switch question.type {
    case RecordType.a: addresses(of: question.name, family: AF_INET)
    case RecordType.aaaa: addresses(of: question.name, family: AF_INET6)
    case RecordType.ptr: name(ofReverse: question.name)
    default: .notFound
    }
  }

  private static func addresses(of name: String, family: Int32) -> RelayAnswer {
    var hints = addrinfo()
    hints.ai_family = family
    hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &list)
    guard status == 0 else { return status == EAI_NONAME || status == noData ? .notFound : .failed }
    defer { freeaddrinfo(list) }
    var ipv4: [UInt32] = []
    var ipv6: [[UInt8]] = []
    var entry = list
    while let current = entry {
      if let raw = current.pointee.ai_addr {
        switch SocketAddress(UnsafeRawPointer(raw), length: current.pointee.ai_addrlen) {
        case .ipv4(let address, _)?: if !ipv4.contains(address) { ipv4.append(address) }
        case .ipv6(let address, _, _)?: if !ipv6.contains(address) { ipv6.append(address) }
        case nil: break
        }
      }
      entry = current.pointee.ai_next
    }
    return ipv4.isEmpty && ipv6.isEmpty ? .notFound : .addresses(ipv4: ipv4, ipv6: ipv6)
  }

  private static func name(ofReverse reverseName: String) -> RelayAnswer {
    guard let address = address(ofReverse: reverseName) else { return .notFound }
    var host = [CChar](repeating: 0, count: SystemResolver.maximumHostLength)
    let status = address.withSockaddr { sockaddr, length in
      getnameinfo(sockaddr, length, &host, socklen_t(host.count), nil, 0, NI_NAMEREQD)
    }
    guard status == 0 else { return status == EAI_NONAME ? .notFound : .failed }
    let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? .notFound : .name(name)
  }

  /// The address a PTR name stands for: `4.3.2.1.in-addr.arpa` or 32 nibbles `.ip6.arpa`.
  static func address(ofReverse name: String) -> SocketAddress? {
    let labels = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
      .map { String(decoding: $0.map(ASCII.lower), as: UTF8.self) }
    if labels.count == 6, labels[4] == "in-addr", labels[5] == "arpa" {
      var address: UInt32 = 0
      for label in labels[0..<4].reversed() {
        guard label.count <= 3, let octet = UInt8(label) else { return nil }
        address = address << 8 | UInt32(octet)
      }
      return .ipv4(address: address, port: 0)
    }
    if labels.count == 34, labels[32] == "ip6", labels[33] == "arpa" {
      var nibbles: [UInt8] = []
      for label in labels[0..<32].reversed() {
        guard label.count == 1, let nibble = UInt8(label, radix: 16) else { return nil }
        nibbles.append(nibble)
      }
      let bytes = (0..<16).map { nibbles[2 * $0] << 4 | nibbles[2 * $0 + 1] }
      return .ipv6(address: bytes, port: 0, scopeID: 0)
    }
    return nil
  }
}
