import CLibc

/// The service socket of an inetd `wait` process with its batch buffers: many datagrams per
/// receive, many replies per send, each datagram with the address it came to. DatagramService
/// runs its loop on it; a daemon with a poll loop of its own (in.dns, waiting on upstream
/// servers too) calls `receive` when the socket is readable.
public final class DatagramEndpoint {
  public let socket: Int32
  /// Whether the socket is bound to the wildcard address, so a reply must name its source.
  public let wildcard: Bool
  private let bound: SocketAddress
  private let batch: DatagramBatch
  private let log: Log
  private var datagrams: [Datagram] = []

  /// Nil (logged) when `socket` is not a bound datagram socket.
  public init?(socket: Int32, log: Log) {
    guard let bound = SocketAddress.local(of: socket), SocketType(of: socket) == .datagram else {
      log.error("fd \(socket) is not a bound datagram socket; run from inetd (udp wait)")
      return nil
    }
    self.socket = socket
    self.bound = bound
    self.log = log
    wildcard = DatagramEndpoint.isWildcard(bound)
    batch = DatagramBatch(capacity: DatagramService.batchSize, slotSize: 65536)
    enablePacketInfo()
  }

  public enum Received {
    case datagrams([Datagram])
    /// Nothing queued.
    case empty
    case failed(Int32)
  }

  /// Every datagram already queued, up to a batch, without waiting.
  public func receive() -> Received {
    switch batch.receive(from: socket) {
    case .datagrams(let count):
      datagrams.removeAll(keepingCapacity: true)
      for index in 0..<count {
        if let datagram = datagram(at: index) { datagrams.append(datagram) }
      }
      return .datagrams(datagrams)
    case .empty: return .empty
    case .failed(let code): return .failed(code)
    }
  }

  /// Sends `replies` from the service socket, logging those the kernel refuses.
  public func send(_ replies: [DatagramReply]) {
    guard !replies.isEmpty else { return }
    for (reply, code) in batch.send(replies, from: socket) {
      log.error("send to \(reply.destination) failed: \(String(cString: strerror(code)))")
    }
  }

  /// The reply to `datagram` carrying `bytes`, leaving from the address the datagram came to.
  public func reply(_ bytes: [UInt8], to datagram: Datagram) -> DatagramReply {
    let reply = DatagramReply(destination: datagram.source, bytes: bytes)
    return wildcard ? reply.from(datagram.localAddress) : reply
  }

  public static func isWildcard(_ socket: Int32) -> Bool {
    SocketAddress.local(of: socket).map(DatagramEndpoint.isWildcard) ?? false
  }

  static func isWildcard(_ address: SocketAddress) -> Bool {
    switch address {
    case .ipv4(let address, _): address == 0
    case .ipv6(let bytes, _, _): bytes.allSatisfy { $0 == 0 }
    }
  }

  private func datagram(at index: Int) -> Datagram? {
    guard let sender = batch.source(at: index) else { return nil }
    let arrival = batch.packetInfo(at: index)
    let local = arrival.localAddress(port: bound.port) ?? fallbackLocalAddress(source: sender)
    return Datagram(
      bytes: batch.payload(at: index), source: sender, localAddress: local, interfaceIndex: arrival.interfaceIndex)
  }

  private func enablePacketInfo() {
    var on: Int32 = 1
    let length = socklen_t(MemoryLayout<Int32>.size)
    switch bound {
    case .ipv4:
      _ = setsockopt(socket, Int32(IPPROTO_IP), IP_PKTINFO, &on, length)
    case .ipv6:
      _ = setsockopt(socket, Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, &on, length)
      // A dual-stack socket reports IPv4 arrivals through IP_PKTINFO.
      _ = setsockopt(socket, Int32(IPPROTO_IP), IP_PKTINFO, &on, length)
    }
  }

  /// Without packet info, a socket bound to one address answers for that address; a wildcard
  /// socket answers from the address the kernel would use to reach the sender.
  private func fallbackLocalAddress(source: SocketAddress) -> SocketAddress? {
    guard wildcard else { return bound }
    let family = if case .ipv4 = source { AF_INET } else { AF_INET6 }
    let probe = CLibc.socket(family, slug_sock_dgram, 0)
    guard probe >= 0 else { return nil }
    defer { close(probe) }
    // connect on a UDP socket sends nothing: it only picks the route and source address.
    guard source.withSockaddr({ connect(probe, $0, $1) }) == 0, let chosen = SocketAddress.local(of: probe)
    else { return nil }
    switch chosen {
    case .ipv4(let address, _): return .ipv4(address: address, port: bound.port)
    case .ipv6(let bytes, _, let scope): return .ipv6(address: bytes, port: bound.port, scopeID: scope)
    }
  }
}
