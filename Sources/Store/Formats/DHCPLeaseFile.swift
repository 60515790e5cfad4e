/// /tmp/in.dhcp.leases.IFACE: one `IP MAC [EXPIRY|never [HOSTNAME]]` line per dynamic client,
/// MAC upper case with colons.
///
/// The original wrote `IP MAC` only: its leases never expired, so a two-field line still means
/// "never" (`Int64.max`). EXPIRY is in Unix seconds; `never` stands for no expiry when a
/// HOSTNAME (the client's option 12) follows. The file records no start time, so a parsed lease
/// starts at `now`, or at its expiry if that is earlier; it is active whatever its expiry (the
/// server decides what has expired). Any spelling of a MAC is read; there are no comments
/// (in.dhcp writes this file itself).
public enum DHCPLeaseFile {
  static let never = "never"

  public static func parse(_ text: String, file: String, interface: String, now: Int64
  ) throws(FormatError) -> [Lease] {
    try parse(text.numberedLines, file: file, interface: interface, now: now)
  }

  /// The same, line by line (a `LineReader` over a file).
  public static func parse(
    _ lines: some Sequence<NumberedLine>, file: String, interface: String, now: Int64
  ) throws(FormatError) -> [Lease] {
    var leases: [Lease] = []
    var addresses = FirstSeen<IPv4Address>()
    var macs = FirstSeen<MACAddress>()
    for line in lines where !line.isBlank {
      let fields = line.fields
      guard (2...4).contains(fields.count) else {
        throw line.error(
          "expected 'address MAC [expiry|never [hostname]]', found '\(line.text.trimmingSpaces)'",
          in: file)
      }
      guard let address = IPv4Address(fields[0]) else {
        throw line.error("'\(fields[0])' is not an IPv4 address", in: file)
      }
      guard let mac = MACAddress(fields[1]) else {
        throw line.error("'\(fields[1])' is not a MAC address", in: file)
      }
      var expiry = Int64.max
      if fields.count > 2 && fields[2] != never {
        guard let seconds = Int64(fields[2]), seconds >= 0 else {
          throw line.error("'\(fields[2])' is not an expiry time (Unix seconds or 'never')", in: file)
        }
        expiry = seconds
      }
      var hostname: HostName?
      if fields.count > 3 {
        guard let name = HostName(fields[3]) else {
          throw line.error("'\(fields[3])' is not a host name", in: file)
        }
        hostname = name
      }
      if let earlier = addresses.earlierLine(of: address, at: line.number) {
        throw line.error("address \(address) is already leased on line \(earlier)", in: file)
      }
      if let earlier = macs.earlierLine(of: mac, at: line.number) {
        throw line.error("\(mac) already has a lease on line \(earlier)", in: file)
      }
      leases.append(
        Lease(
          interface: interface, address: address, mac: mac, hostname: hostname,
          start: min(now, expiry), expiry: expiry, state: .active))
    }
    return leases
  }

  /// One line per lease given (the caller picks which: states have no place in this format):
  /// `IP MAC` for a lease that never expires and has no host name, as the original wrote.
  public static func render(_ leases: [Lease]) -> String {
    leases.map { lease in
      var line = "\(lease.address) \(lease.mac.formatted(uppercase: true))"
      let hostname = lease.hostname.map { " " + $0.text } ?? ""
      if lease.expiry != Int64.max {
        line += " \(lease.expiry)\(hostname)"
      } else if !hostname.isEmpty {
        line += " \(never)\(hostname)"
      }
      return line + "\n"
    }.joined()
  }
}
