import CLibc

/// One datagram as it arrived on the service socket.
public struct Datagram: Sendable {
  public var bytes: [UInt8]
  public var source: SocketAddress
  /// The local address the datagram arrived on (IP_PKTINFO `ipi_spec_dst`), or when the
  /// kernel gave none, the socket's own address or the one the route back to the source uses.
  public var localAddress: SocketAddress?
  /// The interface it arrived on; 0 when unknown (a datagram queued before IP_PKTINFO was
  /// enabled carries none).
  public var interfaceIndex: Int32

  public init(bytes: [UInt8], source: SocketAddress, localAddress: SocketAddress?, interfaceIndex: Int32) {
    self.bytes = bytes
    self.source = source
    self.localAddress = localAddress
    self.interfaceIndex = interfaceIndex
  }
}

public struct DatagramReply: Sendable, Equatable {
  public var destination: SocketAddress
  public var bytes: [UInt8]

  public init(destination: SocketAddress, bytes: [UInt8]) {
    self.destination = destination
    self.bytes = bytes
  }
}

/// The inetd `wait` model: fd 0 is a bound, unconnected UDP socket that this process owns
/// until it exits. A burst of datagrams costs one process, and the process leaves once the
/// socket has been quiet for the idle period so inetd takes the socket back.
public struct DatagramService {
  public let socket: Int32
  public let idleSeconds: Int
  public let log: Log

  public init(socket: Int32 = 0, idleSeconds: Int, log: Log) {
    self.socket = socket
    self.idleSeconds = idleSeconds
    self.log = log
  }

  /// Answers every datagram with the replies `handler` returns, sent from the service socket.
  /// Returns the exit status: 0 after the idle period, 66 when fd 0 is not a datagram socket,
  /// 74 when receiving fails.
  public func run(_ handler: (Datagram) -> [DatagramReply]) -> Int32 {
    guard let bound = SocketAddress.local(of: socket), isDatagramSocket() else {
      log.error("fd \(socket) is not a bound datagram socket; run from inetd (udp wait)")
      return Runtime.noInputExit
    }
    enablePacketInfo(for: bound)
    // Left uninitialised: the kernel writes only what arrives, so a small datagram touches
    // one page of this buffer rather than all sixteen (every touched page is a fault and
    // private memory, at every exec).
    var buffer = [UInt8](unsafeUninitializedCapacity: 65536) { _, count in count = 65536 }
    var control = [UInt8](repeating: 0, count: 256)
    while true {
      switch receive(into: &buffer, control: &control, bound: bound) {
      case .datagram(let datagram):
        for reply in handler(datagram) { send(reply) }
      case .empty:
        guard waitUntilReady(socket, events: Int16(POLLIN), deadline: .after(seconds: idleSeconds))
        else { return 0 }
      case .failed(let code):
        log.error("receive failed: \(String(cString: strerror(code)))")
        return Runtime.ioErrorExit
      }
    }
  }

  private enum Received {
    case datagram(Datagram)
    case empty
    case failed(Int32)
  }

  private func isDatagramSocket() -> Bool {
    var type: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(socket, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == Int32(SOCK_DGRAM.rawValue)
  }

  private func enablePacketInfo(for bound: SocketAddress) {
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

  private func receive(into buffer: inout [UInt8], control: inout [UInt8], bound: SocketAddress) -> Received {
    var source = sockaddr_storage()
    while true {
      let result: (count: Int, sourceLength: socklen_t, controlLength: Int) = buffer.withUnsafeMutableBytes { data in
        control.withUnsafeMutableBytes { controlBytes in
          withUnsafeMutableBytes(of: &source) { sourceBytes in
            var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
              var message = msghdr()
              message.msg_name = sourceBytes.baseAddress
              message.msg_namelen = socklen_t(sourceBytes.count)
              message.msg_iov = vectorPointer
              message.msg_iovlen = 1
              message.msg_control = controlBytes.baseAddress
              message.msg_controllen = controlBytes.count
              let count = recvmsg(socket, &message, Int32(MSG_DONTWAIT))
              return (count, message.msg_namelen, Int(message.msg_controllen))
            }
          }
        }
      }
      if result.count < 0 {
        let code = slug_errno()
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .empty }
        return .failed(code)
      }
      guard let sender = withUnsafeBytes(of: &source, { SocketAddress($0.baseAddress!, length: result.sourceLength) })
      else { continue }
      let arrival = PacketInfo(control: control.prefix(result.controlLength))
      let local = arrival.localAddress(port: bound.port) ?? fallbackLocalAddress(bound: bound, source: sender)
      return .datagram(
        Datagram(
          bytes: Array(buffer.prefix(result.count)), source: sender, localAddress: local,
          interfaceIndex: arrival.interfaceIndex))
    }
  }

  /// Without packet info, a socket bound to one address answers for that address; a wildcard
  /// socket answers from the address the kernel would use to reach the sender.
  private func fallbackLocalAddress(bound: SocketAddress, source: SocketAddress) -> SocketAddress? {
    let wildcard: Bool
    switch bound {
    case .ipv4(let address, _): wildcard = address == 0
    case .ipv6(let bytes, _, _): wildcard = bytes.allSatisfy { $0 == 0 }
    }
    guard wildcard else { return bound }
    let family = if case .ipv4 = source { AF_INET } else { AF_INET6 }
    let probe = CLibc.socket(family, Int32(SOCK_DGRAM.rawValue), 0)
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

  private func send(_ reply: DatagramReply) {
    while true {
      let sent = reply.bytes.withUnsafeBytes { bytes in
        reply.destination.withSockaddr { address, length in
          sendto(socket, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), address, length)
        }
      }
      if sent >= 0 { return }
      let code = slug_errno()
      if code == EINTR { continue }
      log.error("send to \(reply.destination) failed: \(String(cString: strerror(code)))")
      return
    }
  }
}
