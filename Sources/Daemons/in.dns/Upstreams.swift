import CLibc

/// The servers forwarded questions go to, in the order they are tried: `--upstream` (tests),
/// else the store's `dns_upstreams` setting, else the `nameserver` lines of /etc/resolv.conf
/// (or systemd-resolved's file) without the machine's own addresses (asking ourselves would
/// loop).
enum Upstreams {
  /// --upstream, else the store's setting, else resolv.conf less our own addresses (read once
  /// into `cache`, when first needed). The complaint, if any: none at all, or words of the
  /// setting that name no server.
  static func choose(
    given: [SocketAddress], setting: String?, resolvConfs: [String], cache: inout [SocketAddress]?
  ) -> (servers: [SocketAddress], complaint: String?) {
    if !given.isEmpty { return (given, nil) }
    var complaint: String?
    if let setting {
      let (servers, rejected) = list(setting)
      if !rejected.isEmpty {
        complaint = "dns_upstreams: ignoring \(rejected.joined(separator: " ")) (not ADDR, ADDR:PORT or [IPV6]:PORT)"
      }
      if !servers.isEmpty { return (servers, complaint) }
    }
    if cache == nil {
      let own = LocalNetworks.read().addresses
      cache = resolvConfs.lazy.map { fromResolvConf($0, own: own) }.first { !$0.isEmpty } ?? []
    }
    let servers = cache ?? []
    if servers.isEmpty {
      complaint =
        "no upstream server (dns_upstreams, \(resolvConfs.joined(separator: ", "))); answering SERVFAIL for names outside the local zones"
    }
    return (servers, complaint)
  }

  /// One server as slugctl reads it (`DNSUpstream`): `ADDR`, `ADDR:PORT`, `IPV6` or
  /// `[IPV6]:PORT`; nil for anything else (a host name, a numeric shorthand such as
  /// `2130706433`, port 0).
  static func server(_ text: String) -> SocketAddress? {
    guard let upstream = DNSUpstream(text) else { return nil }
    switch upstream.address {
    case .v4(let address): return .ipv4(address: address.value, port: upstream.port)
    case .v6(let address): return .ipv6(address: address.bytes, port: upstream.port, scopeID: 0)
    }
  }

  /// Space-separated servers (the setting's form); the words that are not one come back too,
  /// to be logged.
  static func list(_ text: String) -> (servers: [SocketAddress], rejected: [String]) {
    var servers: [SocketAddress] = []
    var rejected: [String] = []
    for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
      if let server = server(String(word)) {
        if !servers.contains(server) { servers.append(server) }
      } else {
        rejected.append(String(word))
      }
    }
    return (servers, rejected)
  }

  /// The `nameserver` lines of a resolv.conf (port 53, the only one resolv.conf knows), less
  /// loopback and the machine's own addresses. A missing or unreadable file gives none.
  static func fromResolvConf(_ path: String, own: [SocketAddress]) -> [SocketAddress] {
    // Root's file, read as root left it (distributions link it to a resolver's); at most 64 KiB.
    guard let bytes = try? readWholeFile(path, limit: 65536) else { return [] }
    var servers: [SocketAddress] = []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
      let words = line.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
      guard words.count >= 2, words[0].elementsEqual("nameserver".utf8) else { continue }
      var text = String(decoding: words[1], as: UTF8.self)
      // A link-local server's zone (`fe80::1%eth0`) is not kept: such a server is not the LAN's.
      if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }
      guard let ipv4OrIPv6 = server(text),
        !isOwn(ipv4OrIPv6, own: own), !servers.contains(ipv4OrIPv6)
      else { continue }
      servers.append(ipv4OrIPv6)
    }
    return servers
  }

  /// Loopback (127/8, ::1, the unspecified address) or an address of one of our interfaces.
  static func isOwn(_ server: SocketAddress, own: [SocketAddress]) -> Bool {
    let loopback = (AllowList.loopback + ["0.0.0.0/32", "::/128"]).compactMap { AddressRange($0) }
    if loopback.contains(where: { $0.contains(server) }) { return true }
    let bytes = AddressRange.bytes(of: server)
    return own.contains { AddressRange.bytes(of: $0) == bytes }
  }
}
