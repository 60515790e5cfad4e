/// /etc/ethers: `MAC host` lines, host a name or an IPv4 address, `#` starting a comment
/// anywhere on a line.
public enum EthersFile {
  /// The host comes back in its canonical spelling: an address as printed by IPv4Address, a
  /// name without a trailing dot.
  public static func parse(_ text: String, file: String
  ) throws(FormatError) -> [(mac: MACAddress, host: String)] {
    try parse(text.numberedLines, file: file)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(
    _ lines: some Sequence<NumberedLine>, file: String
  ) throws(FormatError) -> [(mac: MACAddress, host: String)] {
    var entries: [(mac: MACAddress, host: String)] = []
    var macs = FirstSeen<MACAddress>()
    for rawLine in lines {
      let line = rawLine.withoutComment
      let fields = line.fields
      if fields.isEmpty { continue }
      guard fields.count == 2 else {
        throw line.error("expected 'MAC host', found '\(line.text.trimmingSpaces)'", in: file)
      }
      guard let mac = MACAddress(fields[0]) else {
        throw line.error("'\(fields[0])' is not a MAC address", in: file)
      }
      let host: String
      if let address = IPv4Address(fields[1]) {
        host = address.description
      } else if let name = HostName(fields[1]) {
        host = name.text
      } else {
        throw line.error("'\(fields[1])' is neither a host name nor an IPv4 address", in: file)
      }
      if let earlier = macs.earlierLine(of: mac, at: line.number) {
        throw line.error("\(mac) is already listed on line \(earlier)", in: file)
      }
      entries.append((mac: mac, host: host))
    }
    return entries
  }

  /// `mac host` lines, the MAC lower case with colons.
  public static func render(_ entries: [(mac: MACAddress, host: String)]) -> String {
    entries.map { "\($0.mac) \($0.host)\n" }.joined()
  }
}
