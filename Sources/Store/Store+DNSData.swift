/// What in.dns answers for, read in one go: it loads this once per process and again only
/// when dataVersion() says the file changed.
public struct DNSData: Sendable {
  public typealias LeaseName = (name: HostName, address: IPv4Address, interface: String?, fixed: Bool)

  /// The DNS hosts in the order they were added (the first name of an address answers its PTR).
  public var hosts: [DNSHost]
  /// Hostnames DHCP clients hold: static leases first, in the order they were added, then the
  /// active dynamic leases not yet expired, oldest first. A nil interface is a static lease
  /// for every interface; `fixed` marks a static lease's name, given by the admin.
  public var leaseNames: [LeaseName]
  /// The domain-name setting of each DHCP interface that has one, by interface.
  public var domains: [String: String]
  /// The LAN domain (`slugctl dns domain`): bare names are served under it too, and it is the
  /// domain of a lease whose interface sets no domain-name.
  public var lanDomain: HostName?
  /// What a blocked name answers.
  public var blockAnswer: DNSBlockAnswer

  public init(
    hosts: [DNSHost], leaseNames: [LeaseName],
    domains: [String: String], lanDomain: HostName? = nil, blockAnswer: DNSBlockAnswer = .nxdomain
  ) {
    self.hosts = hosts
    self.leaseNames = leaseNames
    self.domains = domains
    self.lanDomain = lanDomain
    self.blockAnswer = blockAnswer
  }
}

extension Store {
  /// Everything in.dns answers for, in one read transaction so hosts, leases and domains agree
  /// with each other and with the DNS settings. A dynamic lease counts while it is active and
  /// `now` (Unix seconds) is before its expiry.
  public func dnsData(now: Int64) throws(StoreError) -> DNSData {
    try reading { () throws(StoreError) in
      let staticNames = try database.rows(
        "SELECT hostname, address, interface FROM static_leases WHERE hostname IS NOT NULL ORDER BY id",
        map: { row throws(StoreError) in try Self.leaseName(row, fixed: true) })
      let dynamicNames = try database.rows(
        """
        SELECT hostname, address, interface FROM leases
        WHERE hostname IS NOT NULL AND state = 'active' AND expiry > ? ORDER BY start, rowid
        """, .integer(now), map: { row throws(StoreError) in try Self.leaseName(row, fixed: false) })
      let domains = try database.rows(
        "SELECT interface, value_text FROM dhcp_settings WHERE keyword = 'domain-name'"
      ) { row in (interface: row.text(0), domain: row.text(1)) }
      var domainsByInterface: [String: String] = [:]
      for (interface, domain) in domains { domainsByInterface[interface] = domain }
      return DNSData(
        hosts: try dnsHosts(), leaseNames: staticNames + dynamicNames, domains: domainsByInterface,
        lanDomain: try dnsDomain(), blockAnswer: try dnsBlockAnswer())
    }
  }

  private static func leaseName(_ row: Row, fixed: Bool) throws(StoreError) -> DNSData.LeaseName {
    (name: try row.parsed(0, HostName.init), address: try row.parsed(1, IPv4Address.init),
     interface: row.optionalText(2), fixed: fixed)
  }
}
