/// The flat files slugctl imports and exports, named as on the command line.
public enum FlatFormat: String, CaseIterable, Sendable {
  case jabberdConf = "in.jabberd.conf"
  case dnsConf = "in.dns.conf"
  case dhcpConf = "in.dhcp.conf"
  case dhcpLeases = "in.dhcp.leases"
  case hosts
  case ethers
  case dnsmasqHosts = "dnsmasq-hosts"
  case dnsmasqLeases = "dnsmasq-leases"

  /// The original in.dhcp keeps one config and one lease file per interface, and neither file
  /// names it, so the interface has to come from the command line.
  public var needsInterface: Bool {
    switch self {
    case .dhcpConf, .dhcpLeases: true
    case .jabberdConf, .dnsConf, .hosts, .ethers, .dnsmasqHosts, .dnsmasqLeases: false
    }
  }
}
