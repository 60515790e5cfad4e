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

  /// How long an offered address is kept for the client it was offered to.
  public static let offerHoldSeconds: Int64 = 60
  /// How long a declined address stays out of the pool.
  public static let declineHoldSeconds: Int64 = 3600

  public init(subnets: [DHCPSubnet], leases: [String: [DHCPLease]]) {
    self.subnets = subnets
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
    var context = Context(
      request: request, client: client, who: who, subnet: subnet, serverID: serverID, now: now,
      table: tables[subnet.interface] ?? LeaseTable(), host: subnet.host(for: client))
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

/// A lease the daemon must store (and announce to the lease-change script).
public struct DHCPLeaseChange: Equatable, Sendable {
  public enum Event: String, Sendable, CustomStringConvertible {
    /// A client got a new lease (dnsmasq's `add`).
    case add
    /// A client renewed the lease it had (`old`).
    case old
    /// A lease ended: released or declined (`del`).
    case del

    public var description: String { rawValue }
  }

  public var interface: String
  public var lease: DHCPLease
  public var event: Event

  public init(interface: String, lease: DHCPLease, event: Event) {
    self.interface = interface
    self.lease = lease
    self.event = event
  }
}

/// Where a reply goes (RFC 2131 §4.1).
public enum DHCPDestination: Equatable, Sendable {
  /// To the relay agent's server port (67).
  case relay(UInt32)
  /// To the client's own address, port 68.
  case client(UInt32)
  /// Broadcast on the client's link, port 68.
  case broadcast
}

public struct DHCPReply: Sendable {
  public var message: DHCPMessage
  public var destination: DHCPDestination
  public var interface: String
  /// The server identifier.
  public var serverID: UInt32
  /// The subnet's directed broadcast, for when the link a request came from is unknown.
  public var broadcastAddress: UInt32
  /// The server's address on the subnet's interface, if it has one there.
  public var ownAddress: UInt32?
  /// The largest DHCP message the client takes (option 57 less the IP and UDP headers).
  public var sizeLimit: Int

  /// The wire form, leaving out the least wanted options until it fits `sizeLimit`.
  public func encoded() -> [UInt8] {
    var message = message
    var bytes = message.encode()
    while bytes.count > sizeLimit, let last = message.options.lastIndex(where: { !Context.isMandatory($0.code) }) {
      message.options.remove(at: last)
      bytes = message.encode()
    }
    return bytes
  }
}

public struct DHCPOutcome: Sendable {
  public enum Severity: Sendable { case debug, info, notice, warning }

  public var reply: DHCPReply?
  /// Committed before the reply is sent.
  public var changes: [DHCPLeaseChange]
  public var log: String
  public var severity: Severity

  static func ignored(_ reason: String) -> DHCPOutcome {
    DHCPOutcome(reply: nil, changes: [], log: reason, severity: .info)
  }
}

/// One request being answered.
private struct Context {
  let request: DHCPMessage
  let client: DHCPClient
  let who: String
  let subnet: DHCPSubnet
  let serverID: UInt32
  let now: Int64
  var table: LeaseTable
  /// The client's fixed host, if it has one; looked up once per request.
  let host: DHCPHost?

  /// RFC 2131 §4.3.1: the fixed address, else the client's previous one, else the one it
  /// asks for, else a free one from the pool.
  mutating func discover() -> DHCPOutcome {
    let address: UInt32
    if let host {
      address = host.address
    } else if let previous = table.lease(of: client), isAvailable(previous.address) {
      address = previous.address
    } else if let wanted = request.requestedAddress, isAvailable(wanted) {
      address = wanted
    } else if let fresh = table.allocate(from: subnet.pools, at: now, excluded: isReserved) {
      address = fresh
    } else {
      return DHCPOutcome(
        reply: nil, changes: [],
        log: "DHCPDISCOVER(\(subnet.interface)) from \(who): no free address in the pool", severity: .warning)
    }
    let current = table.lease(at: address)
    if current?.client != client || current?.state != .active || !(current?.holds(at: now) ?? false) {
      table.put(
        DHCPLease(
          address: address, client: client, hostname: hostname(previous: current), start: now,
          expiry: now + DHCPServer.offerHoldSeconds, state: .offered))
    }
    return answer(.offer, address: address, changes: [])
  }

  /// RFC 2131 §4.3.2: SELECTING names a server; INIT-REBOOT asks for its address without one;
  /// RENEWING and REBINDING carry it in ciaddr. As the only server of a home network we are
  /// authoritative: an address the client may not have is refused with a NAK.
  mutating func requestAddress() -> DHCPOutcome {
    let wanted: UInt32
    if let named = request.serverIdentifier {
      guard named == serverID else {
        if let offered = table.lease(of: client), offered.state == .offered {
          table.put(DHCPLease(
            address: offered.address, client: client, start: offered.start, expiry: now, state: .expired))
        }
        return .ignored(
          "DHCPREQUEST(\(subnet.interface)) from \(who) for server \(IPv4Address(named)), not us (\(IPv4Address(serverID)))")
      }
      wanted = request.requestedAddress ?? request.ciaddr
    } else {
      wanted = request.requestedAddress ?? request.ciaddr
    }
    guard wanted != 0 else {
      return .ignored("DHCPREQUEST(\(subnet.interface)) from \(who) names no address")
    }
    if !subnet.isUsable(wanted) {
      return refuse("\(IPv4Address(wanted)) is not on \(subnet.interface)'s network")
    }
    if let host, host.address != wanted {
      return refuse("its fixed address is \(IPv4Address(host.address)), not \(IPv4Address(wanted))")
    }
    guard isAvailable(wanted) else {
      return refuse("\(IPv4Address(wanted)) is not available to it")
    }
    var changes: [DHCPLeaseChange] = []
    let previous = table.lease(of: client)
    if let previous, previous.address != wanted, previous.state == .active, previous.holds(at: now) {
      var given = previous
      given.state = .released
      given.expiry = now
      table.put(given)
      changes.append(DHCPLeaseChange(interface: subnet.interface, lease: given, event: .del))
    }
    let current = table.lease(at: wanted)
    let renewing = current?.client == client && current?.state == .active && (current?.holds(at: now) ?? false)
    let lease = DHCPLease(
      address: wanted, client: client, hostname: hostname(previous: current), start: now,
      expiry: now + Int64(subnet.leaseSeconds), state: .active)
    table.put(lease)
    changes.append(DHCPLeaseChange(interface: subnet.interface, lease: lease, event: renewing ? .old : .add))
    return answer(.ack, address: wanted, changes: changes)
  }

  /// The client found its address in use: quarantine it.
  mutating func decline() -> DHCPOutcome {
    guard request.serverIdentifier == nil || request.serverIdentifier == serverID else {
      return .ignored("DHCPDECLINE(\(subnet.interface)) from \(who) is for another server")
    }
    guard let address = request.requestedAddress, var lease = table.lease(at: address), lease.client == client
    else {
      return .ignored("DHCPDECLINE(\(subnet.interface)) from \(who) for an address it does not hold")
    }
    lease.state = .declined
    lease.start = now
    lease.expiry = now + DHCPServer.declineHoldSeconds
    table.put(lease)
    return DHCPOutcome(
      reply: nil, changes: [DHCPLeaseChange(interface: subnet.interface, lease: lease, event: .del)],
      log: "DHCPDECLINE(\(subnet.interface)) \(IPv4Address(address)) \(who): address in use, kept out of the pool for \(DHCPServer.declineHoldSeconds) s",
      severity: .warning)
  }

  mutating func release() -> DHCPOutcome {
    guard request.serverIdentifier == nil || request.serverIdentifier == serverID else {
      return .ignored("DHCPRELEASE(\(subnet.interface)) from \(who) is for another server")
    }
    guard var lease = table.lease(at: request.ciaddr), lease.client == client, lease.state == .active else {
      return .ignored("DHCPRELEASE(\(subnet.interface)) of \(IPv4Address(request.ciaddr)) from \(who), which holds no such lease")
    }
    lease.state = .released
    lease.expiry = now
    table.put(lease)
    return DHCPOutcome(
      reply: nil, changes: [DHCPLeaseChange(interface: subnet.interface, lease: lease, event: .del)],
      log: "DHCPRELEASE(\(subnet.interface)) \(IPv4Address(lease.address)) \(who)", severity: .notice)
  }

  /// RFC 2131 §4.3.5: options only, for a client that has its address already.
  func inform() -> DHCPOutcome {
    answer(.ack, address: 0, changes: [])
  }

  /// Whether the client may be given ADDRESS: its fixed address, or a pool address nobody
  /// else holds.
  func isAvailable(_ address: UInt32) -> Bool {
    if let host { return host.address == address }
    guard subnet.inPool(address), subnet.isUsable(address), !isReserved(address) else { return false }
    return table.isFree(address, for: client, at: now)
  }

  /// Addresses the pool never hands out: fixed hosts' and the server's own.
  func isReserved(_ address: UInt32) -> Bool {
    address == serverID || subnet.host(owning: address) != nil || !subnet.isUsable(address)
  }

  /// The name recorded with the lease: the fixed host's, else what the client calls itself
  /// (option 12, cut to a DNS label), else what the lease had.
  func hostname(previous: DHCPLease?) -> String? {
    if let name = host?.hostname { return name }
    if let sent = request.hostname, let label = Context.label(sent) { return label }
    return previous?.client == client ? previous?.hostname : nil
  }

  /// A DNS label from a client's name: the part before the first dot, lower case, other
  /// characters than letters, digits and hyphens turned into hyphens.
  static func label(_ name: String) -> String? {
    var bytes: [UInt8] = []
    for byte in name.utf8 {
      if byte == UInt8(ascii: ".") || bytes.count == 63 { break }
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(byte)
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes.append(byte + 32)
      default: bytes.append(UInt8(ascii: "-"))
      }
    }
    while bytes.first == UInt8(ascii: "-") { bytes.removeFirst() }
    while bytes.last == UInt8(ascii: "-") { bytes.removeLast() }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
  }

  mutating func refuse(_ reason: String) -> DHCPOutcome {
    var message = DHCPMessage(
      op: DHCPMessage.bootReply, htype: request.htype, hlen: request.hlen, xid: request.xid,
      flags: request.flags, giaddr: request.giaddr, chaddr: request.chaddr, messageType: .nak)
    message.serverIdentifier = serverID
    message.setOption(DHCPOptionCode.message, Array(reason.utf8.prefix(255)))
    // §4.3.2: through a relay a NAK asks to be broadcast on the client's link.
    if request.giaddr != 0 { message.broadcast = true }
    echoRelayAgentInformation(into: &message)
    let reply = DHCPReply(
      message: message, destination: request.giaddr != 0 ? .relay(request.giaddr) : .broadcast,
      interface: subnet.interface, serverID: serverID, broadcastAddress: subnet.broadcastAddress,
      ownAddress: subnet.ownAddress, sizeLimit: sizeLimit)
    return DHCPOutcome(
      reply: reply, changes: [], log: "DHCPNAK(\(subnet.interface)) \(who): \(reason)", severity: .notice)
  }

  /// An OFFER or ACK (ADDRESS 0: the ACK to an INFORM).
  func answer(_ type: DHCPMessageType, address: UInt32, changes: [DHCPLeaseChange]) -> DHCPOutcome {
    var message = DHCPMessage(
      op: DHCPMessage.bootReply, htype: request.htype, hlen: request.hlen, xid: request.xid,
      flags: request.flags, ciaddr: type == .ack ? request.ciaddr : 0, yiaddr: address,
      siaddr: host?.nextServer ?? subnet.nextServer ?? serverID, giaddr: request.giaddr,
      chaddr: request.chaddr, file: host?.filename ?? subnet.filename ?? [], messageType: type)
    message.serverIdentifier = serverID
    if address != 0 {
      let lease = subnet.leaseSeconds
      message.leaseTime = lease
      message.setOption(DHCPOptionCode.renewalTime, bigEndianBytes(subnet.renewalSeconds ?? lease / 2))
      message.setOption(DHCPOptionCode.rebindingTime, bigEndianBytes(subnet.rebindingSeconds ?? lease / 8 * 7))
    }
    message.setOption(DHCPOptionCode.subnetMask, bigEndianBytes(subnet.mask))
    for option in options(for: host) { message.setOption(option.code, option.bytes) }
    echoRelayAgentInformation(into: &message)
    let destination: DHCPDestination
    if request.giaddr != 0 {
      destination = .relay(request.giaddr)
    } else if request.ciaddr != 0 && type == .ack {
      destination = .client(request.ciaddr)
    } else {
      destination = .broadcast
    }
    let reply = DHCPReply(
      message: message, destination: destination, interface: subnet.interface, serverID: serverID,
      broadcastAddress: subnet.broadcastAddress, ownAddress: subnet.ownAddress,
      sizeLimit: sizeLimit)
    let name = changes.last?.lease.hostname.map { " \($0)" } ?? ""
    let shown = IPv4Address(address != 0 ? address : request.ciaddr)
    // An offer promises nothing: only what is stored is worth a line in the log by default.
    return DHCPOutcome(
      reply: reply, changes: changes, log: "\(type)(\(subnet.interface)) \(shown) \(who)\(name)",
      severity: type == .offer ? .debug : .notice)
  }

  /// The configured options the client gets: the host's over the subnet's, its host name,
  /// then only those it asked for (option 55) in its order, or all when it asked for none.
  func options(for host: DHCPHost?) -> [DHCPOption] {
    var configured = host?.options ?? []
    if let name = host?.hostname, !configured.contains(where: { $0.code == DHCPOptionCode.hostname }) {
      configured.append(DHCPOption(code: DHCPOptionCode.hostname, bytes: Array(name.utf8)))
    }
    for option in subnet.options where !configured.contains(where: { $0.code == option.code }) {
      configured.append(option)
    }
    let wanted = request.parameterRequestList
    guard !wanted.isEmpty else { return configured }
    var chosen: [DHCPOption] = []
    for code in wanted {
      if let option = configured.first(where: { $0.code == code }), !chosen.contains(where: { $0.code == code }) {
        chosen.append(option)
      }
    }
    return chosen
  }

  /// RFC 3046 §2.2: a relay's agent information (option 82) goes back to it unchanged, last.
  func echoRelayAgentInformation(into message: inout DHCPMessage) {
    if request.giaddr != 0, let information = request.option(DHCPOptionCode.relayAgentInformation) {
      message.setOption(DHCPOptionCode.relayAgentInformation, information)
    }
  }

  /// Option 57 less the IP and UDP headers; 576 when the client gives none (§2).
  var sizeLimit: Int { Int(request.maximumMessageSize ?? 576) - 28 }

  /// What a reply never goes without: 53 is written apart, 54 always, 51 in OFFER and ACK,
  /// 1 because every client needs it, 56 to say why, 82 because the relay needs it back.
  static func isMandatory(_ code: UInt8) -> Bool {
    code == DHCPOptionCode.serverIdentifier || code == DHCPOptionCode.leaseTime || code == DHCPOptionCode.subnetMask
      || code == DHCPOptionCode.message || code == DHCPOptionCode.relayAgentInformation
  }
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
