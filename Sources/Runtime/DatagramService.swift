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
  /// When not 0, the IPv4 reply leaves through this interface (IP_PKTINFO on send): how a
  /// limited broadcast (255.255.255.255) reaches the link a request came from.
  public var interfaceIndex: Int32
  /// When not 0, the IPv4 source address of the reply.
  public var sourceIPv4: UInt32
  /// When not empty, the IPv6 source address of the reply (IPV6_PKTINFO on send).
  public var sourceIPv6: [UInt8]

  public init(
    destination: SocketAddress, bytes: [UInt8], interfaceIndex: Int32 = 0, sourceIPv4: UInt32 = 0,
    sourceIPv6: [UInt8] = []
  ) {
    self.destination = destination
    self.bytes = bytes
    self.interfaceIndex = interfaceIndex
    self.sourceIPv4 = sourceIPv4
    self.sourceIPv6 = sourceIPv6
  }

  /// This reply leaving from `local` (the address a request came to) unless it names its own
  /// source: a client that asked a second address of the server drops an answer from the
  /// first ("unexpected reply source"). Nothing changes when the families differ.
  public func from(_ local: SocketAddress?) -> DatagramReply {
    guard sourceIPv4 == 0, sourceIPv6.isEmpty, let local else { return self }
    var reply = self
    if let ipv4 = local.ipv4Address {
      if destination.ipv4Address != nil { reply.sourceIPv4 = ipv4 }
    } else if case .ipv6(let address, _, _) = local, destination.ipv4Address == nil {
      reply.sourceIPv6 = address
    }
    return reply
  }
}

/// The inetd `wait` model: fd 0 is a bound, unconnected UDP socket that this process owns
/// until it exits. A burst of datagrams costs one process, and the process leaves once the
/// socket has been quiet for the idle period so inetd takes the socket back.
public struct DatagramService {
  public let socket: Int32
  public let idleSeconds: Int
  public let log: Log
  /// Datagrams taken per recvmmsg and replies sent per sendmmsg.
  public static let batchSize = 32

  public init(socket: Int32 = 0, idleSeconds: Int, log: Log) {
    self.socket = socket
    self.idleSeconds = idleSeconds
    self.log = log
  }

  /// For a process that cannot serve (an unreadable store, a wrong command line): logs REASON
  /// once, then reads whatever arrives, answering only with what `answer` returns (in.dns: a
  /// SERVFAIL; nothing by default), until the socket has been idle for the idle period, and
  /// returns `exitCode`. Exiting at once would leave the datagram queued, and inetd would
  /// start the next process at once, in a loop; this way each start costs one line.
  public func drain(
    because reason: String, exitCode: Int32, answer: (Datagram) -> [DatagramReply] = { _ in [] }
  ) -> Int32 {
    log.error("\(reason); dropping what arrives until the socket is idle for \(idleSeconds) s")
    let status = run(answer)
    return status == 0 ? exitCode : status
  }

  /// Answers every datagram with the replies `handler` returns, sent from the service socket
  /// and from the address the datagram came to (`DatagramReply.from`) when the socket is a
  /// wildcard one. Returns the exit status: 0 after the idle period, 66 when fd 0 is not a
  /// datagram socket, 74 when receiving fails.
  ///
  /// `beforeEachBatch` runs once before the datagrams one receive call took are handled: work
  /// such as noticing an edit of the store (in.dns) is then seen by the next packet, at the cost
  /// of one call per batch rather than per datagram, and nothing while the socket is quiet.
  public func run(beforeEachBatch: () -> Void = {}, _ handler: (Datagram) -> [DatagramReply]) -> Int32 {
    var replies: [DatagramReply] = []
    // A socket bound to one address can only answer from it.
    let wildcard = DatagramEndpoint.isWildcard(socket)
    return runBatches { datagrams in
      beforeEachBatch()
      replies.removeAll(keepingCapacity: true)
      for datagram in datagrams {
        for reply in handler(datagram) { replies.append(wildcard ? reply.from(datagram.localAddress) : reply) }
      }
      return replies
    }
  }

  /// As `run(beforeEachBatch:_:)`, handing over every datagram one receive call took at once:
  /// a handler that must do something before any reply leaves (commit what the replies
  /// promise) does it once per batch. Replies leave from the address they name (`from`), or
  /// the kernel's choice.
  public func runBatches(_ handler: ([Datagram]) -> [DatagramReply]) -> Int32 {
    guard let endpoint = DatagramEndpoint(socket: socket, log: log) else { return EX_NOINPUT }
    while true {
      switch endpoint.receive() {
      case .datagrams(let datagrams):
        endpoint.send(handler(datagrams))
      case .empty:
        guard waitUntilReady(socket, events: Int16(POLLIN), deadline: .after(seconds: idleSeconds))
        else { return 0 }
      case .failed(let code):
        log.error("receive failed: \(String(cString: strerror(code)))")
        return EX_IOERR
      }
    }
  }
}
