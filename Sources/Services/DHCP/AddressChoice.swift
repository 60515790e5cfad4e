#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
import Text
#endif

/// One request being answered: which address the client gets (RFC 2131 §4.3), and the lease
/// changes that follow. ReplyBuilding.swift writes the replies.
struct DHCPRequestContext {
  let request: DHCPMessage
  let client: DHCPClient
  let who: String
  let subnet: DHCPSubnet
  let serverID: UInt32
  let now: Int64
  var table: LeaseTable
  /// The client's fixed host, if it has one; looked up once per request.
  let host: DHCPHost?
  /// First labels no client may take (DHCPServer.reservedLabels).
  let reservedLabels: Set<String>
  /// The other interfaces' leases, for names their clients hold.
  let otherTables: [LeaseTable]

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
          address: address, client: client, hostname: hostname(previous: current).name, start: now,
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
    let (name, refusal) = hostname(previous: current)
    let lease = DHCPLease(
      address: wanted, client: client, hostname: name, start: now, expiry: now + Int64(subnet.leaseSeconds),
      state: .active)
    table.put(lease)
    changes.append(DHCPLeaseChange(interface: subnet.interface, lease: lease, event: renewing ? .old : .add))
    var outcome = answer(.ack, address: wanted, changes: changes)
    // Said once: when the lease is new, or a renewal asks for a name other than the one it had.
    if let refusal, !renewing || current?.hostname != nil {
      outcome.log += "; \(refusal)"
      outcome.severity = .warning
    }
    return outcome
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
  /// (option 12, else option 81, cut to a DNS label), else what the lease had. A name the
  /// admin gave (reservedLabels) or another client holds is not the client's: then no name,
  /// and why.
  func hostname(previous: DHCPLease?) -> (name: String?, refusal: String?) {
    if let name = host?.hostname { return (name, nil) }
    let label: String?
    if let sent = request.hostname ?? request.clientFQDN {
      label = DHCPRequestContext.label(sent)
    } else {
      label = previous?.client == client ? previous?.hostname : nil
    }
    guard let label else { return (nil, nil) }
    if reservedLabels.contains(label) {
      return (nil, "hostname '\(label)' not published: the name is the admin's")
    }
    if table.holdsName(label, otherThan: client, at: now) || otherTables.contains(where: { $0.holdsName(label, otherThan: client, at: now) }) {
      return (nil, "hostname '\(label)' not published: another client holds it")
    }
    return (label, nil)
  }

  /// A DNS label from a client's name: the part before the first dot, lower case, other
  /// characters than letters, digits and hyphens turned into hyphens.
  static func label(_ name: String) -> String? {
    var bytes: [UInt8] = []
    for byte in name.utf8 {
      if byte == UInt8(ascii: ".") || bytes.count == 63 { break }
      let lower = ASCII.lower(byte)
      switch lower {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): bytes.append(lower)
      default: bytes.append(UInt8(ascii: "-"))
      }
    }
    while bytes.first == UInt8(ascii: "-") { bytes.removeFirst() }
    while bytes.last == UInt8(ascii: "-") { bytes.removeLast() }
    return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
  }
}
