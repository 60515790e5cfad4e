#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// The DHCP server's decisions (RFC 2131 §4.3): which address a client gets, what the reply
/// says, where it goes and which lease changes must be committed before it leaves. No sockets
/// and no files: the daemon feeds it decoded requests and persists what it returns.
public struct DHCPServer: Sendable {
  public private(set) var subnets: [DHCPSubnet]
  /// Leases by interface.
  public private(set) var tables: [String: LeaseTable]
  /// First labels, in lower case, that no client's name may take: the names the admin gave
  /// (DNS hosts, fixed hosts), the server's own and `localhost`.
  public let reservedLabels: Set<String>

  /// How long an offered address is kept for the client it was offered to.
  public static let offerHoldSeconds: Int64 = 60
  /// How long a declined address stays out of the pool.
  public static let declineHoldSeconds: Int64 = 3600

  /// RESERVEDNAMES: the names the admin gave and the server's own, as host names or FQDNs;
  /// `localhost` is always reserved.
  public init(subnets: [DHCPSubnet], leases: [String: [DHCPLease]], reservedNames: [String] = []) {
    self.subnets = subnets
    var labels: Set<String> = ["localhost"]
    for name in reservedNames + subnets.flatMap({ $0.hosts.compactMap { $0.hostname } }) {
      if let label = DHCPRequestContext.label(name) { labels.insert(label) }
    }
    reservedLabels = labels
    tables = [:]
    for subnet in subnets { tables[subnet.interface] = LeaseTable(leases[subnet.interface] ?? []) }
  }

  /// Handles one request that arrived on ARRIVAL at NOW (Unix seconds).
  public mutating func handle(_ request: DHCPMessage, arrival: DHCPArrival, now: Int64) -> DHCPOutcome {
    let client = DHCPClient(hardwareAddress: request.hardwareAddress, identifier: request.clientIdentifier)
    let who = DHCPServer.describe(client)
    guard request.op == DHCPMessage.bootRequest else {
      return .ignored("\(request.messageType) from \(who): not a BOOTREQUEST")
    }
    // Leases are stored by MAC: other link layers (hlen not 6) are not served.
    guard request.hlen == 6 else {
      return .ignored("\(request.messageType) from \(who): hardware address length \(request.hlen), not a MAC's 6")
    }
    guard let index = subnetIndex(for: request, arrival: arrival) else {
      return .ignored("\(request.messageType) from \(who)\(arrival.via): no configured subnet for it")
    }
    let subnet = subnets[index]
    guard let serverID = subnet.serverIdentifier ?? subnet.ownAddress ?? (arrival.localAddress != 0 ? arrival.localAddress : nil)
    else {
      return .ignored("\(request.messageType) from \(who) on \(subnet.interface): no server identifier (set server-identifier)")
    }
    var context = DHCPRequestContext(
      request: request, client: client, who: who, subnet: subnet, serverID: serverID, now: now,
      table: tables[subnet.interface] ?? LeaseTable(), host: subnet.host(for: client), reservedLabels: reservedLabels,
      otherTables: tables.filter { $0.key != subnet.interface }.map { $0.value })
    let outcome: DHCPOutcome
    switch request.messageType {
    case .discover: outcome = context.discover()
    case .request: outcome = context.requestAddress()
    case .decline: outcome = context.decline()
    case .release: outcome = context.release()
    case .inform: outcome = context.inform()
    case .offer, .ack, .nak: outcome = .ignored("\(request.messageType) from \(who): a server's message")
    }
    tables[subnet.interface] = context.table
    return outcome
  }

  /// Relayed requests by the relay's address; direct ones by the interface they came in on,
  /// else by the client's own address or the address they came to; a lone subnet takes all.
  private func subnetIndex(for request: DHCPMessage, arrival: DHCPArrival) -> Int? {
    if request.giaddr != 0 { return subnets.firstIndex { $0.contains(request.giaddr) } }
    if let name = arrival.interface { return subnets.firstIndex { $0.interface == name } }
    if request.ciaddr != 0, let index = subnets.firstIndex(where: { $0.contains(request.ciaddr) }) { return index }
    if arrival.localAddress != 0, let index = subnets.firstIndex(where: { $0.contains(arrival.localAddress) }) {
      return index
    }
    return subnets.count == 1 ? 0 : nil
  }

  static func describe(_ client: DHCPClient) -> String {
    hexPairs(client.hardwareAddress, separator: ":")
  }
}

/// Where a request came in.
public struct DHCPArrival: Sendable {
  /// The interface's name (from IP_PKTINFO); nil when unknown.
  public var interface: String?
  /// The local address it arrived on; 0 when unknown.
  public var localAddress: UInt32

  public init(interface: String?, localAddress: UInt32) {
    self.interface = interface
    self.localAddress = localAddress
  }

  var via: String { interface.map { " on \($0)" } ?? "" }
}

func hexPairs(_ bytes: [UInt8], separator: String) -> String {
  let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
  var text = ""
  for (index, byte) in bytes.enumerated() {
    if index > 0 { text += separator }
    text.append(digits[Int(byte >> 4)])
    text.append(digits[Int(byte & 0xF)])
  }
  return text
}
