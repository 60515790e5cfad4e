/// /etc/hosts: `address name [alias...]`, `#` starting a comment anywhere on a line.
///
/// Every (name, address) pair becomes one DNSHost, in file order. Rendering puts all names of
/// an address on one line, addresses in first-seen order, so a list whose addresses are
/// interleaved comes back grouped: render(parse(render(x))) == render(x) always holds, and
/// parse(render(x)) == x when each address's names are already together.
public enum HostsFile {
  public static func parse(_ text: String, file: String) throws(FormatError) -> [DNSHost] {
    try parse(text.numberedLines, file: file)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(_ lines: some Sequence<NumberedLine>, file: String) throws(FormatError) -> [DNSHost] {
    var hosts: [DNSHost] = []
    var seen = FirstSeen<DNSHost>()
    for rawLine in lines {
      let line = rawLine.withoutComment
      let fields = line.fields
      guard let address = fields.first else { continue }
      guard fields.count >= 2 else {
        throw line.error(
          "expected 'address name [alias...]', found '\(line.text.trimmingSpaces)'", in: file)
      }
      for name in fields.dropFirst() {
        let host = try DNSHostField.host(name: name, address: address, on: line, in: file)
        if let earlier = seen.earlierLine(of: host, at: line.number) {
          throw line.error(
            "duplicate entry '\(host.address) \(host.name)' (first on line \(earlier))", in: file)
        }
        hosts.append(host)
      }
    }
    return hosts
  }

  /// `address<TAB>name alias...`, one line per address.
  public static func render(_ hosts: [DNSHost]) -> String {
    var addresses: [IPAddress] = []
    var names: [IPAddress: [String]] = [:]
    for host in hosts {
      if names[host.address] == nil { addresses.append(host.address) }
      names[host.address, default: []].append(host.name.text)
    }
    return addresses.map { address in
      "\(address)\t\(names[address, default: []].joined(separator: " "))\n"
    }.joined()
  }
}
