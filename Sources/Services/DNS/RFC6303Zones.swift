/// Zones that are local on every network, so a question about them never leaves the house:
/// the reverse zones of private and special addresses (RFC 6303 §4), the reverse zone of
/// 192.168.0.0/16 and friends, and the special-use names `localhost` and `invalid` (RFC 6761)
/// and `home.arpa` (RFC 8375). An unknown name in them gets NXDOMAIN with the zone's SOA.
enum RFC6303Zones {
  static let names: [String] = {
    var names = [
      "10.in-addr.arpa", "168.192.in-addr.arpa", "0.in-addr.arpa", "127.in-addr.arpa", "254.169.in-addr.arpa",
      "2.0.192.in-addr.arpa", "100.51.198.in-addr.arpa", "113.0.203.in-addr.arpa",
      "255.255.255.255.in-addr.arpa",
      // ::, ::1 (RFC 6303 §4.3, §4.4)
      String(repeating: "0.", count: 32) + "ip6.arpa", "1." + String(repeating: "0.", count: 31) + "ip6.arpa",
      // fd00::/8 (ULA), fe80::/10 (link-local), 2001:db8::/32 (documentation)
      "d.f.ip6.arpa", "8.e.f.ip6.arpa", "9.e.f.ip6.arpa", "a.e.f.ip6.arpa", "b.e.f.ip6.arpa",
      "8.b.d.0.1.0.0.2.ip6.arpa",
      "localhost", "invalid", "home.arpa",
    ]
    for second in 16...31 { names.append("\(second).172.in-addr.arpa") }
    return names
  }()
}
