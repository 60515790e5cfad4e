#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension FlatFormat {
  /// The store's records in this format. `interface` selects a DHCP interface (required for the
  /// per-interface formats, a filter for the others).
  /// in.jabberd.conf holds passwords, which the store keeps only for legacy accounts: the
  /// others are named in a failure (exit 65), or left out with `skippingHashed` (and named on
  /// stderr), never written as a hash where the original expects a password.
  func export(from store: Store, interface: String?, skippingHashed: Bool = false) throws(Failure) -> String {
    switch self {
    case .jabberdConf:
      let accounts = try attempt { () throws(StoreError) in try store.jabberAccounts() }
      let hashed = accounts.filter { !$0.isLegacy }.map { $0.name }
      if !hashed.isEmpty {
        let names = hashed.joined(separator: ", ")
        guard skippingHashed else {
          throw Failure.dataError(
            "cannot write the password of jabber user(s) \(names): the store keeps only its hashes "
              + "(mark one with `slugctl jabber passwd NAME --legacy`, or leave them out with --skip-hashed)")
        }
        Console.current.printError("slugctl: left out (the store keeps only their hashes): \(names)")
      }
      return JabberdConf.render(accounts.compactMap { account in
        account.legacyPassword.map { JabberUser(name: account.name, password: $0) }
      })
    default:
      return try attempt { () throws(StoreError) in try records(from: store, interface: interface) }
    }
  }

  /// The formats that hold no secret: the store's records as they are.
  private func records(from store: Store, interface: String?) throws(StoreError) -> String {
    switch self {
    case .jabberdConf:
      preconditionFailure("export(from:) writes in.jabberd.conf, checking what it may write")
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
      return EthersFile.render(
        try store.staticLeases(interface: interface).map { ($0.mac, $0.hostname?.text ?? $0.address.description) })
    case .dnsmasqHosts:
      return DnsmasqHosts.render(try store.staticLeases(interface: interface))
    case .dnsmasqLeases:
      return DnsmasqLeases.render(try store.leases(interface: interface))
    }
  }
}
