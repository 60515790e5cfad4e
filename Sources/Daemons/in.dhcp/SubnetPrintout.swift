/// One interface's effective settings for -n, in the configuration's keywords where it has
/// them: the subnet, the server identifier, the pool, the times, the options and how many
/// fixed hosts it has.
enum SubnetPrintout {
  static func lines(_ subnet: DHCPSubnet) -> [String] {
    let serverID = subnet.serverIdentifier ?? subnet.ownAddress
    var lines = [
      "subnet \(IPv4Address(subnet.network))", "subnet-mask \(IPv4Address(subnet.mask))",
      "server-identifier \(serverID.map { IPv4Address($0).description } ?? "the address each request arrives on")",
    ]
    if subnet.pools.isEmpty { lines.append("pool none") }
    for pool in subnet.pools { lines.append("pool \(IPv4Address(pool.lowerBound))-\(IPv4Address(pool.upperBound))") }
    // The defaults are the times the server writes when none are configured (RFC 2131 §4.4.5).
    let lease = subnet.leaseSeconds
    lines += [
      "lease-time \(lease)", "renewal-time \(subnet.renewalSeconds ?? lease / 2)",
      "rebinding-time \(subnet.rebindingSeconds ?? lease / 8 * 7)",
      "next-server \(subnet.nextServer.map { IPv4Address($0).description } ?? "the server identifier")",
    ]
    if let filename = subnet.filename { lines.append("filename \(String(decoding: filename, as: UTF8.self))") }
    for option in subnet.options {
      if let keyword = DHCPKeyword.code(option.code),
        let values = DHCPOptionEncoder.values(option.bytes, as: keyword.encoding)
      {
        lines.append("\(keyword.name) \(values.joined(separator: " "))")
      } else {
        lines.append("option \(option.code) \(Hex.uppercase(option.bytes))")
      }
    }
    lines.append("static-leases \(subnet.hosts.count)")
    return lines
  }
}
