/// Where requests came in and where replies go, in the terms of the socket inetd hands over.
enum ReplyRouting {
  /// RFC 2131 §4.1: servers and relay agents listen on 67, clients on 68.
  static let serverPort: UInt16 = 67
  static let clientPort: UInt16 = 68
  static let limitedBroadcast: UInt32 = 0xFFFF_FFFF

  /// RFC 2131 §4.1 within what a socket from inetd can do: relays and clients with an address
  /// get unicast; a client without one gets a broadcast on the link the request came from (a
  /// unicast to an address that has no ARP entry yet cannot be delivered without raw sockets).
  /// When the link is unknown (a request queued before IP_PKTINFO was on), the subnet's
  /// directed broadcast finds it through the routing table.
  static func datagram(_ reply: DHCPReply, answering datagram: Datagram) -> DatagramReply {
    // Without packet info the local address is a guess from the routing table; the interface's
    // own address, or none (the kernel picks), is safer.
    var source = reply.ownAddress ?? 0
    if datagram.interfaceIndex != 0, case .ipv4(let address, _) = datagram.localAddress { source = address }
    let bytes = reply.encoded()
    switch reply.destination {
    case .relay(let relay):
      return DatagramReply(destination: .ipv4(address: relay, port: serverPort), bytes: bytes, sourceIPv4: source)
    case .client(let address):
      return DatagramReply(destination: .ipv4(address: address, port: clientPort), bytes: bytes, sourceIPv4: source)
    case .broadcast:
      var index = datagram.interfaceIndex
      if index == 0 { index = Interfaces.index(ofName: reply.interface) }
      if index == 0 {
        return DatagramReply(destination: .ipv4(address: reply.broadcastAddress, port: clientPort), bytes: bytes)
      }
      return DatagramReply(
        destination: .ipv4(address: limitedBroadcast, port: clientPort), bytes: bytes, interfaceIndex: index,
        sourceIPv4: source)
    }
  }
}

/// Interface names by index, looked up once per process (each lookup is a socket and an ioctl).
struct InterfaceNames {
  private var names: [Int32: String?] = [:]

  /// Where a request came in: the interface by IP_PKTINFO's index, the local address.
  mutating func arrival(of datagram: Datagram) -> DHCPArrival {
    var local: UInt32 = 0
    if case .ipv4(let address, _) = datagram.localAddress { local = address }
    let index = datagram.interfaceIndex
    if names[index] == nil { names[index] = .some(Interfaces.name(ofIndex: index)) }
    return DHCPArrival(interface: names[index] ?? nil, localAddress: local)
  }
}
