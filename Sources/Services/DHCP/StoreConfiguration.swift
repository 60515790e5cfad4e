#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// A configuration the server cannot work from, named by interface and keyword.
public struct DHCPConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
  public var description: String

  public init(_ description: String) { self.description = description }
}

extension DHCPSubnet {
  /// One interface's subnet from its settings (the in.dhcp.conf keywords, as the store or a
  /// flat file holds them) and the fixed hosts whose addresses fall inside it.
  /// `interfaceAddresses` are the interface's own IPv4 addresses and netmasks: the subnet
  /// mask and network when the settings do not give them.
  public init(
    _ interface: DHCPInterface, hosts: [StaticLease], interfaceAddresses: [(address: UInt32, mask: UInt32)]
  ) throws(DHCPConfigurationError) {
    let name = interface.name
    func address(_ keyword: String) throws(DHCPConfigurationError) -> UInt32? {
      guard let values = interface.values(of: keyword) else { return nil }
      guard values.count == 1, let address = IPv4Address(values[0]) else {
        throw DHCPConfigurationError("\(name): \(keyword) '\(values.joined(separator: " "))' is not an IPv4 address")
      }
      return address.value
    }
    func number(_ keyword: String) throws(DHCPConfigurationError) -> UInt32? {
      guard let values = interface.values(of: keyword) else { return nil }
      guard values.count == 1, let value = UInt32(values[0]) else {
        throw DHCPConfigurationError("\(name): \(keyword) '\(values.joined(separator: " "))' is not a number of seconds")
      }
      return value
    }
    let poolStart = try address("pool-start")
    let poolEnd = try address("pool-end")
    let serverID = try address("server-identifier")
    let own = interfaceAddresses.first
    guard let mask = try address("subnet-mask") ?? own?.mask else {
      throw DHCPConfigurationError("\(name): no subnet-mask set and the interface has no IPv4 address")
    }
    guard let anchor = poolStart ?? serverID ?? own?.address ?? hosts.first?.address.value else {
      throw DHCPConfigurationError("\(name): no pool-start, server-identifier or interface address to place the subnet")
    }
    var pools: [ClosedRange<UInt32>] = []
    switch (poolStart, poolEnd) {
    case (let start?, let end?):
      guard start <= end else {
        throw DHCPConfigurationError("\(name): pool-start \(IPv4Address(start)) is after pool-end \(IPv4Address(end))")
      }
      guard start & mask == end & mask else {
        throw DHCPConfigurationError(
          "\(name): pool-start \(IPv4Address(start)) and pool-end \(IPv4Address(end)) are not in one subnet of mask \(IPv4Address(mask))")
      }
      pools.append(start...end)
    case (nil, nil): break
    case (nil, _?): throw DHCPConfigurationError("\(name): pool-end without pool-start")
    case (_?, nil): throw DHCPConfigurationError("\(name): pool-start without pool-end")
    }
    self.init(interface: name, network: anchor, mask: mask, pools: pools)
    leaseSeconds = try number("lease-time") ?? DHCPSubnet.defaultLeaseSeconds
    renewalSeconds = try number("renewal-time")
    rebindingSeconds = try number("rebinding-time")
    serverIdentifier = serverID
    ownAddress = interfaceAddresses.first { contains($0.address) }?.address
    nextServer = try address("next-server")
    filename = interface.values(of: "filename").map { Array($0.joined(separator: " ").utf8) }
    options = try DHCPSubnet.options(interface.settings, of: name)
    for lease in hosts where contains(lease.address.value) {
      self.hosts.append(try DHCPHost(lease, of: name))
    }
  }

  /// The option settings as options; the server writes 1, 51, 54, 58 and 59 itself.
  static func options(_ settings: [DHCPSetting], of owner: String) throws(DHCPConfigurationError) -> [DHCPOption] {
    var options: [DHCPOption] = []
    for setting in settings {
      guard let keyword = DHCPKeyword.named(setting.keyword), let code = keyword.code,
        ![1, 51, 54, 58, 59].contains(code)
      else { continue }
      guard let option = DHCPOptionEncoder.encode(code: code, values: setting.values, as: keyword.encoding) else {
        throw DHCPConfigurationError(
          "\(owner): \(setting.keyword) '\(setting.values.joined(separator: " "))' does not fit the option")
      }
      options.append(option)
    }
    return options
  }
}

extension DHCPHost {
  init(_ lease: StaticLease, of interface: String) throws(DHCPConfigurationError) {
    let owner = "\(interface): static lease of \(lease.mac)"
    var nextServer: UInt32?
    if let values = lease.settings.first(where: { $0.keyword == "next-server" })?.values {
      guard values.count == 1, let address = IPv4Address(values[0]) else {
        throw DHCPConfigurationError("\(owner): next-server '\(values.joined(separator: " "))' is not an IPv4 address")
      }
      nextServer = address.value
    }
    self.init(
      hardwareAddress: lease.mac.bytes, clientIdentifier: lease.clientID, address: lease.address.value,
      hostname: lease.hostname?.text, nextServer: nextServer,
      filename: lease.settings.first { $0.keyword == "filename" }.map { Array($0.values.joined(separator: " ").utf8) },
      options: try DHCPSubnet.options(lease.settings, of: owner))
  }
}

extension DHCPLease {
  /// The lease as the store keeps it; nil for a client whose hardware address is no MAC.
  public func stored(interface: String) -> Lease? {
    guard let mac = MACAddress(bytes: client.hardwareAddress) else { return nil }
    return Lease(
      interface: interface, address: IPv4Address(address), mac: mac, clientID: client.identifier,
      hostname: hostname.flatMap { HostName($0) }, start: start, expiry: expiry, state: state)
  }

  public init(_ lease: Lease) {
    self.init(
      address: lease.address.value, client: DHCPClient(hardwareAddress: lease.mac.bytes, identifier: lease.clientID),
      hostname: lease.hostname?.text, start: lease.start, expiry: lease.expiry, state: lease.state)
  }
}
