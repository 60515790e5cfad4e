import CLibc

/// One forwarded question's conversation with the upstream servers, one attempt at a time
/// (RFC 5452): each attempt has a fresh non-blocking socket, connected to its server (connect
/// binds it to a random ephemeral port the kernel picks, and a connected UDP socket receives
/// only that server's datagrams) and a random ID; an answer counts only with our ID, QR and our
/// question. An attempt gets `attemptSeconds` (UDP) before the next server is asked; a
/// truncated answer is asked again over TCP of the same server, a FORMERR without EDNS (RFC 6891
/// §7); everything ends within `totalMilliseconds`.
struct UpstreamExchange {
  static let udpAttemptMilliseconds = 1000
  static let tcpAttemptMilliseconds = 2000
  static let totalMilliseconds = 4500
  /// An upstream answer over TCP is at most this long (the two-byte length).
  static let largestAnswer = 65535

  let query: ForwardedQuery
  private let servers: [SocketAddress]
  /// The server of the current attempt.
  private var current = 0
  private(set) var socket: Int32 = -1
  private var id: UInt16 = 0
  private var overTCP: Bool
  /// Whether the current server is asked with our EDNS: false once it answered FORMERR to it.
  private var withEDNS = true
  private var outgoing: [UInt8] = []
  private var sent = 0
  private var framer = TCPFramer()
  private(set) var attemptDeadline = Deadline(nanoseconds: 0)
  private let finalDeadline: Deadline
  /// Datagrams that were not our answer (another ID or question, not a response).
  private(set) var ignored = 0

  enum Step {
    case waiting
    /// The upstream's answer, as it sent it.
    case answered([UInt8])
    /// Every server failed or the time is up.
    case failed
  }

  /// Starts the first attempt; `overTCP` for a client that asked over TCP.
  init(query: ForwardedQuery, servers: [SocketAddress], overTCP: Bool) {
    self.query = query
    self.servers = servers
    self.overTCP = overTCP
    finalDeadline = .after(milliseconds: UpstreamExchange.totalMilliseconds)
    startAttempt()
  }

  /// Whether an attempt is under way (false: it has failed already).
  var isActive: Bool { socket >= 0 }

  /// What to poll the socket for.
  var events: Int16 { Int16(overTCP && sent < outgoing.count ? POLLOUT : POLLIN) }

  /// After poll reported `revents` for the socket.
  mutating func handle(_ revents: Int16) -> Step {
    guard socket >= 0 else { return .failed }
    return overTCP ? handleStream(revents) : handleDatagrams()
  }

  /// When the attempt's deadline has passed: the next server, or failure.
  mutating func expire() -> Step {
    guard Deadline.now() >= attemptDeadline else { return .waiting }
    return nextServer()
  }

  /// Waits on this exchange alone (a TCP client's process asks one question at a time): the
  /// upstream's answer, or nil when every server failed.
  mutating func waitForAnswer() -> [UInt8]? {
    while isActive {
      var descriptor = pollfd(fd: socket, events: events, revents: 0)
      let ready = poll(&descriptor, 1, attemptDeadline.remainingMilliseconds)
      if ready < 0 && slug_errno() == EINTR { continue }
      let step = ready > 0 ? handle(descriptor.revents) : expire()
      switch step {
      case .waiting: continue
      case .answered(let answer): return answer
      case .failed: return nil
      }
    }
    return nil
  }

  mutating func close() {
    if socket >= 0 { _ = CLibc.close(socket) }
    socket = -1
  }

  private mutating func handleDatagrams() -> Step {
    var buffer = [UInt8](repeating: 0, count: UpstreamExchange.largestAnswer)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
      if count < 0 {
        let code = slug_errno()
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .waiting }
        // ECONNREFUSED: the server's port is closed (ICMP), no need to wait for it.
        return nextServer()
      }
      let answer = buffer[0..<count]
      switch query.check(answer, id: id) {
      case .accepted: return finish(Array(answer))
      case .truncated:
        close()
        overTCP = true
        return startAttempt() ? .waiting : .failed
      case .failed: return nextServer()
      case .formatError: return askWithoutEDNS()
      case .foreign: ignored += 1
      }
    }
  }

  private mutating func handleStream(_ revents: Int16) -> Step {
    if sent < outgoing.count {
      let count = outgoing.withUnsafeBytes { send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
      if count < 0 {
        let code = slug_errno()
        return code == EAGAIN || code == EINTR || code == EINPROGRESS ? .waiting : nextServer()
      }
      sent += count
      return .waiting
    }
    var buffer = [UInt8](repeating: 0, count: 16384)
    let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    if count < 0 {
      let code = slug_errno()
      return code == EAGAIN || code == EINTR ? .waiting : nextServer()
    }
    // The server closed before answering.
    if count == 0 { return nextServer() }
    let messages: [[UInt8]]
    do throws(TCPFramingError) {
      messages = try framer.feed(buffer[0..<count])
    } catch {
      return nextServer()
    }
    for message in messages {
      switch query.check(message[...], id: id) {
      case .accepted: return finish(message)
      case .truncated, .failed: return nextServer()
      case .formatError: return askWithoutEDNS()
      case .foreign: ignored += 1
      }
    }
    return .waiting
  }

  private mutating func finish(_ answer: [UInt8]) -> Step {
    close()
    return .answered(answer)
  }

  private mutating func nextServer() -> Step {
    close()
    current += 1
    withEDNS = true
    return startAttempt() ? .waiting : .failed
  }

  /// The same server again, the question without our OPT; a second FORMERR moves on.
  private mutating func askWithoutEDNS() -> Step {
    guard withEDNS else { return nextServer() }
    close()
    withEDNS = false
    return startAttempt() ? .waiting : .failed
  }

  /// Opens the socket for the current server (or the next that can be reached) and sends the
  /// question, or queues it until a TCP connection is up. False when none is left or time is up.
  @discardableResult
  private mutating func startAttempt() -> Bool {
    while current < servers.count, Deadline.now() < finalDeadline {
      let server = servers[current]
      let family = if case .ipv4 = server { AF_INET } else { AF_INET6 }
      let kind = (overTCP ? slug_sock_stream : slug_sock_dgram) | slug_sock_nonblock
        | slug_sock_cloexec
      socket = CLibc.socket(family, kind, 0)
      guard socket >= 0 else { return false }
      let connected = server.withSockaddr { connect(socket, $0, $1) } == 0 || slug_errno() == EINPROGRESS
      id = Random.bytes(2).withUnsafeBytes { $0.load(as: UInt16.self) }
      let message = query.upstreamQuery(id: id, edns: withEDNS)
      var ready = connected
      if connected && !overTCP {
        ready = message.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == message.count
      } else if connected {
        framer = TCPFramer()
        outgoing = TCPFramer.frame(message)
        sent = 0
      }
      if ready {
        let milliseconds = overTCP ? UpstreamExchange.tcpAttemptMilliseconds : UpstreamExchange.udpAttemptMilliseconds
        attemptDeadline = min(.after(milliseconds: milliseconds), finalDeadline)
        return true
      }
      close()
      current += 1
    }
    return false
  }
}
