import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
#endif

/// The names and addresses a server certificate for this machine carries by default: its host
/// name, the fully qualified form when the resolver knows one, localhost; every interface's
/// addresses, loopback included, link-local left out (a link-local address needs a zone, which no
/// certificate can name).
enum MachineNames {
  static func names() -> [String] {
    let host = Interfaces.hostName().lowercased()
    var names = [host]
    if let full = fullyQualified(host), full.contains(".") { names.append(full) }
    names.append("localhost")
    return unique(names.filter(isHostName))
  }

  private static func fullyQualified(_ host: String) -> String? {
    guard !host.isEmpty else { return nil }
    var hints = addrinfo()
    hints.ai_flags = AI_CANONNAME
    hints.ai_socktype = slug_sock_stream
    var result: UnsafeMutablePointer<addrinfo>? = nil
    guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
    defer { freeaddrinfo(result) }
    return first.pointee.ai_canonname.map { String(cString: $0).lowercased() }
  }

  /// The interfaces' addresses, as 4 or 16 bytes.
  static func addresses() -> [[UInt8]] {
    var list: UnsafeMutablePointer<ifaddrs>? = nil
    guard getifaddrs(&list) == 0 else { return [[127, 0, 0, 1], [UInt8](repeating: 0, count: 15) + [1]] }
    defer { freeifaddrs(list) }
    var addresses: [[UInt8]] = []
    var entry = list
    while let current = entry {
      entry = current.pointee.ifa_next
      guard let address = current.pointee.ifa_addr else { continue }
      switch Int32(address.pointee.sa_family) {
      case AF_INET:
        let bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
          withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
        }
        if !(bytes[0] == 169 && bytes[1] == 254) { addresses.append(bytes) }
      case AF_INET6:
        let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
          withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
        }
        if !(bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80) { addresses.append(bytes) }
      default: continue
      }
    }
    return unique(addresses)
  }

  /// A name a certificate may carry: letters, digits, hyphens and dots, labels of 1 to 63, an
  /// optional leading `*.` (a wildcard, for a certificate brought from elsewhere).
  static func isHostName(_ name: String) -> Bool {
    let body = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
    guard !body.isEmpty, body.utf8.count <= 253 else { return false }
    return body.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
      (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
        && label.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" }
    }
  }

  static func unique<T: Equatable>(_ items: [T]) -> [T] {
    var seen: [T] = []
    for item in items where !seen.contains(item) { seen.append(item) }
    return seen
  }
}
