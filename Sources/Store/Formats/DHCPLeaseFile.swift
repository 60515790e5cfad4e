/// /tmp/in.dhcp.leases.IFACE: one `IP MAC` line per dynamic client, MAC upper case with colons.
///
/// The original's leases never expired and the file records no times, so a parsed lease
/// starts at `now` and expires at `Int64.max` ("never"), state active. Any spelling of a MAC is
/// read; there are no comments (in.dhcp writes this file itself).
public enum DHCPLeaseFile {
  public static func parse(
    _ text: String, file: String, interface: String, now: Int64
  ) throws(FormatError) -> [Lease] {
    var leases: [Lease] = []
    var addresses = FirstSeen<IPv4Address>()
    var macs = FirstSeen<MACAddress>()
    for line in text.numberedLines where !line.isBlank {
      let fields = line.fields
      guard fields.count == 2 else {
        throw line.error("expected 'address MAC', found '\(line.text.trimmingSpaces)'", in: file)
      }
      guard let address = IPv4Address(fields[0]) else {
        throw line.error("'\(fields[0])' is not an IPv4 address", in: file)
      }
      guard let mac = MACAddress(fields[1]) else {
        throw line.error("'\(fields[1])' is not a MAC address", in: file)
      }
      if let earlier = addresses.earlierLine(of: address, at: line.number) {
        throw line.error("address \(address) is already leased on line \(earlier)", in: file)
      }
      if let earlier = macs.earlierLine(of: mac, at: line.number) {
        throw line.error("\(mac) already has a lease on line \(earlier)", in: file)
      }
      leases.append(
        Lease(
          interface: interface, address: address, mac: mac, start: now, expiry: Int64.max,
          state: .active))
    }
    return leases
  }

  /// `IP MAC` lines for the leases given (the caller picks which: times and states have no
  /// place in this format).
  public static func render(_ leases: [Lease]) -> String {
    leases.map { "\($0.address) \($0.mac.formatted(uppercase: true))\n" }.joined()
  }
}
