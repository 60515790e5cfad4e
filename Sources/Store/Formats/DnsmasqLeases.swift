/// dnsmasq's lease file: `EXPIRY MAC IP HOSTNAME CLIENTID` lines.
///
/// EXPIRY is in epoch seconds, 0 meaning infinite (read as `Int64.max`, the store's "never");
/// HOSTNAME and CLIENTID are `*` when there is none; the client id is hex bytes with colons.
/// The file records no start time, so a parsed lease's `start` is 0, "unknown". Leases are
/// active whatever their expiry: the server decides what has expired. DHCPv6 lines (`duid`,
/// and the leases after it) are refused: the store keeps DHCPv4 leases only.
public enum DnsmasqLeases {
  public static func parse(
    _ text: String, file: String, interface: String
  ) throws(FormatError) -> [Lease] {
    try parse(text.numberedLines, file: file, interface: interface)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(
    _ lines: some Sequence<NumberedLine>, file: String, interface: String
  ) throws(FormatError) -> [Lease] {
    var leases: [Lease] = []
    var addresses = FirstSeen<IPv4Address>()
    for line in lines where !line.isBlank {
      let fields = line.fields
      if fields.first == "duid" {
        throw line.error("DHCPv6 leases are not supported", in: file)
      }
      guard fields.count == 5 else {
        throw line.error(
          "expected 'expiry MAC address hostname client-id', found '\(line.text.trimmingSpaces)'",
          in: file)
      }
      guard let expiry = Int64(fields[0]), expiry >= 0 else {
        throw line.error("'\(fields[0])' is not an expiry time (epoch seconds)", in: file)
      }
      guard let mac = MACAddress(fields[1]) else {
        throw line.error("'\(fields[1])' is not a MAC address", in: file)
      }
      guard let address = IPv4Address(fields[2]) else {
        throw line.error("'\(fields[2])' is not an IPv4 address", in: file)
      }
      var hostname: HostName?
      if fields[3] != "*" {
        guard let name = HostName(fields[3]) else {
          throw line.error("'\(fields[3])' is not a host name", in: file)
        }
        hostname = name
      }
      var clientID: [UInt8]?
      if fields[4] != "*" {
        guard let bytes = HexBytes.parse(fields[4]) else {
          throw line.error("'\(fields[4])' is not a client id (hex bytes with colons)", in: file)
        }
        clientID = bytes
      }
      if let earlier = addresses.earlierLine(of: address, at: line.number) {
        throw line.error("address \(address) is already leased on line \(earlier)", in: file)
      }
      leases.append(
        Lease(
          interface: interface, address: address, mac: mac, clientID: clientID,
          hostname: hostname, start: 0, expiry: expiry == 0 ? Int64.max : expiry, state: .active))
    }
    return leases
  }

  public static func render(_ leases: [Lease]) -> String {
    leases.map { lease in
      let expiry = lease.expiry == Int64.max ? "0" : String(lease.expiry)
      let hostname = lease.hostname?.text ?? "*"
      let clientID = lease.clientID.flatMap { $0.isEmpty ? nil : HexBytes.format($0) } ?? "*"
      return "\(expiry) \(lease.mac) \(lease.address) \(hostname) \(clientID)\n"
    }.joined()
  }
}
