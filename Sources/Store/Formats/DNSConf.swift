/// /etc/in.dns.conf: one `fqdn. address` line per name.
///
/// As in the original, a line containing `#` anywhere is skipped whole (there are no trailing
/// comments), and the first name listed for an address answers its PTR query, so order is
/// kept. Names may be written with or without the trailing dot; IPv6 addresses are accepted
/// too (the original knew only IPv4).
public enum DNSConf {
  public static func parse(_ text: String, file: String) throws(FormatError) -> [DNSHost] {
    try parse(text.numberedLines, file: file)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(_ lines: some Sequence<NumberedLine>, file: String) throws(FormatError) -> [DNSHost] {
    var hosts: [DNSHost] = []
    var seen = FirstSeen<DNSHost>()
    for line in lines where !line.isBlank && !line.text.contains("#") {
      let fields = line.fields
      guard fields.count == 2 else {
        throw line.error("expected 'name. address', found '\(line.text.trimmingSpaces)'", in: file)
      }
      let host = try DNSHostField.host(name: fields[0], address: fields[1], on: line, in: file)
      if let earlier = seen.earlierLine(of: host, at: line.number) {
        throw line.error(
          "duplicate entry '\(host.name) \(host.address)' (first on line \(earlier))", in: file)
      }
      hosts.append(host)
    }
    return hosts
  }

  /// `name. address` lines, names fully qualified as the original writes them.
  public static func render(_ hosts: [DNSHost]) -> String {
    hosts.map { "\($0.name). \($0.address)\n" }.joined()
  }
}

/// The checks in.dns.conf and /etc/hosts share for one name and one address.
enum DNSHostField {
  static func host(
    name: Substring, address: Substring, on line: NumberedLine, in file: String
  ) throws(FormatError) -> DNSHost {
    guard let parsedAddress = IPAddress(address) else {
      throw line.error("'\(address)' is not an IP address", in: file)
    }
    guard let parsedName = HostName(name) else {
      throw line.error("'\(name)' is not a host name", in: file)
    }
    return DNSHost(name: parsedName, address: parsedAddress)
  }
}
