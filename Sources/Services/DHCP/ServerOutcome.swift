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
    while bytes.count > sizeLimit, let last = message.options.lastIndex(where: { !DHCPRequestContext.isMandatory($0.code) }) {
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
