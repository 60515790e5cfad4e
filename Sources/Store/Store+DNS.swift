/// DNS names for addresses, kept in the order they were added: the first name added for an
/// address answers its PTR query, as the first line did in the original in.dns.conf.
extension Store {
  public func dnsHosts() throws(StoreError) -> [DNSHost] {
    try database.rows("SELECT name, address FROM dns_hosts ORDER BY id") { row throws(StoreError) in
      DNSHost(name: try row.parsed(0, HostName.init), address: try row.parsed(1, IPAddress.init))
    }
  }

  /// Adds one name for one address; the same name may have several addresses and the same
  /// address several names, but not the same pair twice.
  public func addDNSHost(_ host: DNSHost) throws(StoreError) {
    try transaction { () throws(StoreError) in
      let existing = try database.row(
        "SELECT name FROM dns_hosts WHERE name = ? AND address = ?",
        .text(host.name.text), .text(host.address.description)
      ) { $0.text(0) }
      if let existing {
        throw .duplicate("host '\(existing)' already has address \(host.address)")
      }
      let family: Int64 =
        switch host.address {
        case .v4: 4
        case .v6: 6
        }
      try database.run(
        "INSERT INTO dns_hosts (name, address, family) VALUES (?, ?, ?)",
        .text(host.name.text), .text(host.address.description), .integer(family))
    }
  }

  /// Removes NAME (all its addresses, or just ADDRESS); notFound if nothing matched.
  public func removeDNSHost(name: HostName, address: IPAddress?) throws(StoreError) {
    if let address {
      let changed = try database.run(
        "DELETE FROM dns_hosts WHERE name = ? AND address = ?", .text(name.text), .text(address.description))
      if changed == 0 { throw .notFound("host '\(name)' has no address \(address)") }
    } else {
      let changed = try database.run("DELETE FROM dns_hosts WHERE name = ?", .text(name.text))
      if changed == 0 { throw .notFound("no host '\(name)'") }
    }
  }

  /// The addresses of a name, in the order they were added.
  public func dnsAddresses(of name: HostName) throws(StoreError) -> [IPAddress] {
    try database.rows("SELECT address FROM dns_hosts WHERE name = ? ORDER BY id", .text(name.text)) {
      row throws(StoreError) in try row.parsed(0, IPAddress.init)
    }
  }

  /// The name that answers the PTR query of an address: the first one added.
  public func dnsName(of address: IPAddress) throws(StoreError) -> HostName? {
    try database.row(
      "SELECT name FROM dns_hosts WHERE address = ? ORDER BY id LIMIT 1", .text(address.description)
    ) { row throws(StoreError) in try row.parsed(0, HostName.init) }
  }
}
