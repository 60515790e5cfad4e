import CLibc

/// The UDP process (inetd `wait`): the service socket and the socket of every forwarded
/// question are polled together, so a local name is answered at once while upstream servers
/// take their time, and a server that never answers holds up only the questions sent to it.
extension NameServer {
  /// Forwarded questions waiting at once, at most; past it a new one gets SERVFAIL at once.
  static let pendingCapacity = 256

  /// A forwarded question and the datagram it came in.
  struct Pending {
    var exchange: UpstreamExchange
    let client: Datagram
  }

  /// Every datagram until the socket has been idle for `idleSeconds` and no question is
  /// waiting upstream. Before each batch the data's version is checked (one cheap read), so an
  /// edit is answered from the next query on; every reply passes the response rate limit.
  func serveDatagrams(idleSeconds: Int, limit: ResponseRateLimit) -> Int32 {
    guard let endpoint = DatagramEndpoint(socket: 0, log: log) else { return EX_NOINPUT }
    var limit = limit
    var pending: [Pending] = []
    var replies: [DatagramReply] = []
    var descriptors: [pollfd] = []
    var ignored = 0
    var idleDeadline = Deadline.after(seconds: idleSeconds)
    let transport = Transport.udp(maximum: NameServer.largestDatagram)
    defer {
      if ignored > 0 { log.notice("ignored \(ignored) upstream datagrams that were not the answer asked for") }
    }
    while true {
      descriptors.removeAll(keepingCapacity: true)
      descriptors.append(pollfd(fd: endpoint.socket, events: Int16(POLLIN), revents: 0))
      var wake = idleDeadline
      for entry in pending {
        descriptors.append(pollfd(fd: entry.exchange.socket, events: entry.exchange.events, revents: 0))
        wake = min(wake, entry.exchange.attemptDeadline)
      }
      let ready = poll(&descriptors, nfds_t(descriptors.count), wake.remainingMilliseconds)
      if ready < 0 {
        if slug_errno() == EINTR { continue }
        log.error("poll failed: \(String(cString: strerror(slug_errno())))")
        return EX_OSERR
      }
      if ready == 0, pending.isEmpty, Deadline.now() >= idleDeadline { return 0 }
      replies.removeAll(keepingCapacity: true)
      let now = Int64(time(nil))

      // Upstream sockets first: the questions they finish make room for new ones.
      var finished: [Int] = []
      for index in pending.indices {
        let revents = descriptors[index + 1].revents
        let step = revents != 0 ? pending[index].exchange.handle(revents) : pending[index].exchange.expire()
        let client = pending[index].client
        switch step {
        case .waiting: continue
        case .answered(let answer):
          send(finish(answer, of: pending[index].exchange.query, transport: transport), to: client, now: now, limit: &limit, into: &replies, endpoint)
        case .failed:
          send(pending[index].exchange.query.serverFailure(), to: client, now: now, limit: &limit, into: &replies, endpoint)
        }
        ignored += pending[index].exchange.ignored
        finished.append(index)
      }
      for index in finished.reversed() { pending.remove(at: index) }

      if descriptors[0].revents != 0 {
        switch endpoint.receive() {
        case .datagrams(let datagrams):
          reloadIfChanged()
          idleDeadline = .after(seconds: idleSeconds)
          for datagram in datagrams {
            switch decide(datagram.bytes[...], from: datagram.source, transport: transport) {
            case .drop:
              break
            case .reply(let bytes):
              send(bytes, to: datagram, now: now, limit: &limit, into: &replies, endpoint)
            case .forward(let query, let servers):
              let exchange =
                pending.count < NameServer.pendingCapacity
                ? UpstreamExchange(query: query, servers: servers, overTCP: false) : nil
              if let exchange, exchange.isActive {
                pending.append(Pending(exchange: exchange, client: datagram))
              } else {
                send(query.serverFailure(), to: datagram, now: now, limit: &limit, into: &replies, endpoint)
              }
            }
          }
        case .empty:
          break
        case .failed(let code):
          log.error("receive failed: \(String(cString: strerror(code)))")
          return EX_IOERR
        }
      }
      endpoint.send(replies)
    }
  }

  /// Queues `bytes` for the client of `datagram` when the response rate limit lets it go
  /// (truncated every `slip` drops).
  private func send(
    _ bytes: [UInt8], to datagram: Datagram, now: Int64, limit: inout ResponseRateLimit,
    into replies: inout [DatagramReply], _ endpoint: DatagramEndpoint
  ) {
    var reply = bytes
    let verdict: ResponseRateLimit.Verdict
    switch datagram.source {
    case .ipv4(let address, _): verdict = limit.verdict(for: reply, toIPv4: address, now: now)
    case .ipv6(let address, _, _): verdict = limit.verdict(for: reply, toIPv6: address, now: now)
    }
    switch verdict {
    case .send: break
    case .truncate: ResponseRateLimit.truncate(&reply)
    case .drop: return
    }
    replies.append(endpoint.reply(reply, to: datagram))
  }
}
