/// What the server hands out on one interface: its subnet, pools, lease time, options and
/// fixed hosts. Built from the store (`slugctl dhcp set/static`) or from an in.dhcp.conf.
public struct DHCPSubnet: Sendable {
  public var interface: String
  public var network: UInt32
  public var mask: UInt32
  /// Address ranges handed out dynamically, in preference order.
  public var pools: [ClosedRange<UInt32>]
  public var leaseSeconds: UInt32
  /// Option 54; nil means the address the request arrived on.
  public var serverIdentifier: UInt32?
  /// The server's own address on this subnet (of the interface), the server identifier when
  /// none is configured; nil for a subnet reached only through relays.
  public var ownAddress: UInt32?
  /// siaddr: the boot server for network-booting clients; nil means the server identifier,
  /// as the original did.
  public var nextServer: UInt32?
  /// The BOOTP `file` field.
  public var filename: [UInt8]?
  /// Every configured option but 1, 51, 54, 58 and 59 (which the server writes itself), in
  /// configuration order.
  public var options: [DHCPOption]
  public var renewalSeconds: UInt32?
  public var rebindingSeconds: UInt32?
  public var hosts: [DHCPHost]

  public init(
    interface: String, network: UInt32, mask: UInt32, pools: [ClosedRange<UInt32>] = [],
    leaseSeconds: UInt32 = DHCPSubnet.defaultLeaseSeconds, serverIdentifier: UInt32? = nil,
    ownAddress: UInt32? = nil, nextServer: UInt32? = nil, filename: [UInt8]? = nil, options: [DHCPOption] = [],
    renewalSeconds: UInt32? = nil, rebindingSeconds: UInt32? = nil, hosts: [DHCPHost] = []
  ) {
    self.interface = interface
    self.network = network & mask
    self.mask = mask
    self.pools = pools
    self.leaseSeconds = leaseSeconds
    self.serverIdentifier = serverIdentifier
    self.ownAddress = ownAddress
    self.nextServer = nextServer
    self.filename = filename
    self.options = options
    self.renewalSeconds = renewalSeconds
    self.rebindingSeconds = rebindingSeconds
    self.hosts = hosts
  }

  /// A day, as in the original's sample configuration.
  public static let defaultLeaseSeconds: UInt32 = 86400

  public var broadcastAddress: UInt32 { network | ~mask }

  public func contains(_ address: UInt32) -> Bool { address & mask == network }

  /// An address a client may hold: inside the subnet, neither its network nor its broadcast
  /// address (unless the mask leaves no room for them: /31, /32).
  public func isUsable(_ address: UInt32) -> Bool {
    guard contains(address) else { return false }
    return mask >= 0xFFFF_FFFE || (address != network && address != broadcastAddress)
  }

  public func inPool(_ address: UInt32) -> Bool {
    pools.contains { $0.contains(address) }
  }

  /// The fixed host for a client: by client identifier first, then by hardware address.
  public func host(for client: DHCPClient) -> DHCPHost? {
    if let identifier = client.identifier, let host = hosts.first(where: { $0.clientIdentifier == identifier }) {
      return host
    }
    return hosts.first { $0.hardwareAddress == client.hardwareAddress }
  }

  /// The fixed host that owns ADDRESS, if one does.
  public func host(owning address: UInt32) -> DHCPHost? {
    hosts.first { $0.address == address }
  }
}

/// A fixed address for one client, with its own options.
public struct DHCPHost: Sendable {
  public var hardwareAddress: [UInt8]
  public var clientIdentifier: [UInt8]?
  public var address: UInt32
  public var hostname: String?
  public var nextServer: UInt32?
  public var filename: [UInt8]?
  /// Options that override the subnet's of the same code.
  public var options: [DHCPOption]

  public init(
    hardwareAddress: [UInt8], clientIdentifier: [UInt8]? = nil, address: UInt32, hostname: String? = nil,
    nextServer: UInt32? = nil, filename: [UInt8]? = nil, options: [DHCPOption] = []
  ) {
    self.hardwareAddress = hardwareAddress
    self.clientIdentifier = clientIdentifier
    self.address = address
    self.hostname = hostname
    self.nextServer = nextServer
    self.filename = filename
    self.options = options
  }
}

/// Who a request is from: a lease belongs to the client identifier (option 61) when the
/// client sends one, else to the hardware address (RFC 2131 §4.2).
public struct DHCPClient: Hashable, Sendable {
  public var hardwareAddress: [UInt8]
  public var identifier: [UInt8]?

  public init(hardwareAddress: [UInt8], identifier: [UInt8]?) {
    self.hardwareAddress = hardwareAddress
    self.identifier = identifier
  }

  /// The key leases are filed under.
  var key: [UInt8] {
    if let identifier { return [1] + identifier }
    return [0] + hardwareAddress
  }
}
