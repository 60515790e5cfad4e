#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

extension DHCPRequestContext {
  /// A NAK saying why (RFC 2131 §4.3.2).
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
