import Store

extension FlatFormat {
  /// The store's records in this format. `interface` selects a DHCP interface (required for the
  /// per-interface formats, a filter for the others).
  func export(from store: Store, interface: String?) throws -> String {
    switch self {
    case .jabberdConf:
      return JabberdConf.render(try store.jabberUsers())
    case .dnsConf:
      return DNSConf.render(try store.dnsHosts())
    case .hosts:
      return HostsFile.render(try store.dnsHosts())
    case .dhcpConf:
      let name = interface ?? ""
      guard let found = try store.dhcpInterface(named: name) else {
        throw StoreError.notFound("no DHCP interface '\(name)'")
      }
      return DHCPConf.render(found, try store.staticLeases(interface: name).filter { $0.interface == name })
    case .dhcpLeases:
      return DHCPLeaseFile.render(try store.leases(interface: interface))
    case .ethers:
      return EthersFile.render(try store.staticLeases(interface: interface).map { ($0.mac, $0.hostname?.text ?? $0.address.description) })
    case .dnsmasqHosts:
      return DnsmasqHosts.render(try store.staticLeases(interface: interface))
    case .dnsmasqLeases:
      return DnsmasqLeases.render(try store.leases(interface: interface))
    }
  }
}
