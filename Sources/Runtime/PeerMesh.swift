import CLibc

/// A failed socket call while joining a mesh: which call, and errno.
public struct MeshError: Error, Equatable, Sendable, CustomStringConvertible {
  public var operation: String
  public var code: Int32

  public init(operation: String, code: Int32) {
    self.operation = operation
    self.code = code
  }

  public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// What happened in a mesh since the last look.
public enum MeshEvent: Equatable, Sendable {
  /// A new connection, accepted or made by `connectToAll`: say hello on it.
  case joined(PeerMesh.Peer)
  /// One whole message as the peer sent it.
  case message(PeerMesh.Peer, [UInt8])
  /// The peer closed, exited or died; its identifier may be reused by a later `.joined`.
  case left(PeerMesh.Peer)
}

/// One process's place in a mesh of the per-connection processes of one service: Unix
/// SOCK_SEQPACKET connections in the Linux abstract namespace, one between every two processes.
/// Each process listens on `@<prefix><pid>` and connects to every other such name it finds in
/// /proc/net/unix. Seqpacket keeps message boundaries, so concurrent senders never interleave;
/// the kernel removes a dead process's name and hangs up its connections at once, so every
/// peer learns of a kill -9 from poll (POLLHUP) without polling on a timer, and nothing stale is
/// left behind.
///
/// A peer whose credentials are neither ours nor root's is dropped at once (a member running as
/// root takes any user's, since root could become it anyway). Any other peer must
/// prove it holds the mesh key (MeshHandshake: a nonce each way, then a code under the key)
/// within `handshakeMilliseconds`: until it has, nothing of its is delivered and nothing is sent
/// to it (what is sent waits in its queue), and a peer that fails, or stays silent past the
/// deadline, is dropped with one log line naming its pid and uid. A new connection is still
/// reported as `.joined` at once (a session says hello and holds its messages until the peers
/// answer); a refused one is then reported as `.left`. The handshake is poll-driven like the
/// rest: a slow or silent peer never stalls the process.
///
/// Joining is serialised by a second abstract name, `@<prefix>joining`, held while a process
/// accepts what is pending and connects to the names it has no connection with yet: two
/// processes starting together would otherwise connect to each other twice.
public final class PeerMesh {
  /// The connection's descriptor: identifies the peer while the connection lives.
  public typealias Peer = Int32

  /// The largest message a peer can send (the socket buffers are raised to hold it).
  public static let maximumMessageBytes = 262_144
  /// Output queued for a peer that does not read; past it the connection is hung up.
  static let maximumQueuedBytes = 8 << 20
  /// How many messages one peer may deliver per `process` call, so one busy peer cannot starve
  /// the others (poll reports it again at once).
  static let messagesPerTurn = 64

  /// How long a new peer has to prove it holds the key: a peer busy writing to a slow client
  /// still answers in time, and a silent one holds a new session's messages no longer.
  public static let defaultHandshakeMilliseconds = 5000

  public let prefix: String
  /// Our abstract name, without the leading NUL: `prefix` + pid.
  public let name: String
  let key: MeshKey
  let log: Log
  private let handshakeMilliseconds: Int
  private let listener: Int32
  /// An epoll set of the listener and every connection (PeerMesh+Readiness), or -1.
  let readiness: Int32
  var connections: [Connection] = []

  struct Connection {
    let fd: Int32
    let pid: pid_t
    let uid: uid_t
    /// The events the epoll set has for it.
    var registered: UInt32 = 0
    /// False until `process` has reported it as `.joined`.
    var announced: Bool
    /// Until the peer has proven it holds the key; nil after.
    var handshake: MeshHandshake?
    var queue: [[UInt8]] = []
    var queueHead = 0
    var queuedBytes = 0

    init(fd: Int32, pid: pid_t, uid: uid_t, announced: Bool, handshake: MeshHandshake) {
      self.fd = fd
      self.pid = pid
      self.uid = uid
      self.announced = announced
      self.handshake = handshake
    }

    var hasQueuedOutput: Bool { queueHead < queue.count }
    var proven: Bool { handshake == nil }
  }

  /// Binds and listens on `@<prefix><pid>`; every peer must prove it holds `key`. Refusals go
  /// to `log`.
  public init(
    prefix: String, key: MeshKey, log: Log, handshakeMilliseconds: Int = PeerMesh.defaultHandshakeMilliseconds
  ) throws(MeshError) {
    self.prefix = prefix
    self.key = key
    self.log = log
    self.handshakeMilliseconds = handshakeMilliseconds
    name = prefix + String(getpid())
    let fd = socket(AF_UNIX, slug_sock_seqpacket | slug_sock_cloexec | slug_sock_nonblock, 0)
    guard fd >= 0 else { throw MeshError(operation: "socket", code: slug_errno()) }
    let bound = PeerMesh.withAbstractAddress(name) { bind(fd, $0, $1) }
    guard bound == 0, listen(fd, SOMAXCONN) == 0 else {
      let code = slug_errno()
      close(fd)
      throw MeshError(operation: bound == 0 ? "listen @\(name)" : "bind @\(name)", code: code)
    }
    listener = fd
    readiness = PeerMesh.readinessSet(listening: fd)
  }

  deinit {
    for connection in connections { close(connection.fd) }
    close(listener)
    if readiness >= 0 { close(readiness) }
  }

  /// The live connections, announced or not yet, proven or not yet.
  public var peers: [Peer] { connections.map { $0.fd } }

  /// When the first pending handshake runs out: the caller's poll must return by then, and
  /// `process` drops the peer.
  public var handshakeDeadline: Deadline? {
    connections.compactMap { $0.handshake?.deadline }.min()
  }

  /// Connects to every live name with our prefix that we have no connection with yet. The new
  /// connections (and those accepted meanwhile) are reported as `.joined` by the next
  /// `process` call; `pollDescriptors` makes the next poll return at once for that.
  public func connectToAll() {
    let lock = PeerMesh.acquireJoinLock(prefix: prefix)
    defer { if lock >= 0 { close(lock) } }
    acceptPending(announced: false)
    var known = Set(connections.map { $0.pid })
    known.insert(getpid())
    for other in PeerMesh.liveNames(prefix: prefix) {
      guard let pid = pid_t(String(decoding: other.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)),
        !known.contains(pid)
      else { continue }
      let fd = PeerMesh.connect(to: other)
      guard fd >= 0 else { continue }
      adopt(fd, role: .connected, announced: false)
      known.insert(pid)
    }
  }

  /// What to poll for the mesh: the epoll set's one descriptor, its interests brought up to
  /// date (PeerMesh+Readiness); without one, the listener and every connection. POLLOUT where
  /// output can be flushed, or where a new connection waits to be reported (a new connection is
  /// writable, so poll returns at once).
  public var pollDescriptors: [pollfd] {
    if readiness >= 0 {
      updateInterests()
      return [pollfd(fd: readiness, events: Int16(POLLIN), revents: 0)]
    }
    return [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
      + connections.map { pollfd(fd: $0.fd, events: Int16(truncatingIfNeeded: $0.interest), revents: 0) }
  }

  /// Handles what poll reported for our descriptors (others in `ready` are ignored), drops the
  /// peers whose handshake ran out, and returns what happened, in order: a peer's `.joined`
  /// comes before its messages, its messages before its `.left`.
  public func process(_ ready: [pollfd]) -> [MeshEvent] {
    let ready = readiness >= 0 && ready.contains(where: { $0.fd == readiness && $0.revents != 0 }) ? readyDescriptors() : ready
    var events: [MeshEvent] = []
    for index in connections.indices where !connections[index].announced {
      connections[index].announced = true
      events.append(.joined(connections[index].fd))
    }
    var listenerReady = false
    for entry in ready where entry.revents != 0 {
      if entry.fd == listener {
        listenerReady = true
        continue
      }
      guard let index = connections.firstIndex(where: { $0.fd == entry.fd }) else { continue }
      if entry.revents & Int16(POLLOUT) != 0, connections[index].proven { flush(index) }
      guard entry.revents & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 else { continue }
      switch receive(index, into: &events) {
      case .open: continue
      case .closed: break
      case .refused: refuse(index)
      }
      close(entry.fd)
      connections.remove(at: index)
      events.append(.left(entry.fd))
    }
    let now = Deadline.now()
    while let index = connections.firstIndex(where: { $0.handshake.map { $0.deadline <= now } ?? false }) {
      let fd = connections[index].fd
      refuse(index)
      close(fd)
      connections.remove(at: index)
      events.append(.left(fd))
    }
    // Last, so a descriptor closed above and reused by accept is not mistaken for the old one.
    if listenerReady {
      for fd in acceptPending(announced: true) { events.append(.joined(fd)) }
    }
    return events
  }

  /// Sends one message (at most `maximumMessageBytes`; an empty one is not sent); never blocks:
  /// what the socket cannot take now, or what is for a peer that has not proven itself yet, is
  /// queued and flushed by `process`. A peer that lets `maximumQueuedBytes` pile up is hung up,
  /// and reported as `.left`.
  public func send(_ message: [UInt8], to peer: Peer) {
    guard !message.isEmpty, let index = connections.firstIndex(where: { $0.fd == peer }) else { return }
    if connections[index].proven, !connections[index].hasQueuedOutput, PeerMesh.transmit(message, on: peer) != EAGAIN {
      return
    }
    guard connections[index].queuedBytes + message.count <= PeerMesh.maximumQueuedBytes else {
      connections[index].queue = []
      connections[index].queueHead = 0
      connections[index].queuedBytes = 0
      shutdown(peer, Int32(SHUT_RDWR))
      return
    }
    connections[index].queue.append(message)
    connections[index].queuedBytes += message.count
  }

  /// Sends the message to every peer.
  public func broadcast(_ message: [UInt8]) {
    for peer in peers { send(message, to: peer) }
  }

  // MARK: - Connections

  /// Accepts every pending connection whose credentials pass; returns their descriptors.
  @discardableResult
  private func acceptPending(announced: Bool) -> [Int32] {
    var accepted: [Int32] = []
    while true {
      let fd = slug_accept_nonblocking(listener)
      if fd < 0 {
        if slug_errno() == EINTR || slug_errno() == ECONNABORTED { continue }
        return accepted
      }
      if adopt(fd, role: .accepted, announced: announced) { accepted.append(fd) }
    }
  }

  /// Keeps a connected socket whose peer runs as our user or root, and says our hello on it;
  /// closes it otherwise. A member running as root (slugctl's, a test's) takes a peer of any
  /// user: root could become that user anyway, and the peer must still prove the key.
  @discardableResult
  private func adopt(_ fd: Int32, role: MeshHandshake.Role, announced: Bool) -> Bool {
    var pid: pid_t = 0
    var uid: uid_t = 0
    guard slug_peer_credentials(fd, &pid, &uid) == 0 else {
      close(fd)
      return false
    }
    guard uid == geteuid() || uid == 0 || geteuid() == 0 else {
      log.warning("mesh: refused a peer (pid \(pid), uid \(uid)): it runs as another user")
      close(fd)
      return false
    }
    PeerMesh.raiseBuffers(fd)
    let handshake = MeshHandshake(role: role, peerPid: pid, deadline: .after(milliseconds: handshakeMilliseconds))
    // A new socket's buffer is empty: a hello it cannot take means the peer is already gone.
    guard PeerMesh.transmit(handshake.hello, on: fd) == 0 else {
      close(fd)
      return false
    }
    connections.append(Connection(fd: fd, pid: pid, uid: uid, announced: announced, handshake: handshake))
    return true
  }

  /// What became of a connection after reading from it.
  private enum Reading {
    case open
    /// The peer hung up or the connection failed.
    case closed
    /// The peer's handshake failed.
    case refused
  }

  /// Reads every whole message waiting (up to `messagesPerTurn`): the peer's handshake first,
  /// then what it says, delivered only once it is proven.
  private func receive(_ index: Int, into events: inout [MeshEvent]) -> Reading {
    let fd = connections[index].fd
    var count = 0
    while count < PeerMesh.messagesPerTurn {
      // The size of the next message, without taking it.
      let size = recv(fd, nil, 0, Int32(MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT))
      if size < 0 {
        let code = slug_errno()
        // ECONNRESET: the peer closed with our messages unread (a one-shot notifier that said
        // its piece). The error is reported once, ahead of what it sent: read on.
        if code == EINTR || code == ECONNRESET { continue }
        return code == EAGAIN || code == EWOULDBLOCK ? .open : .closed
      }
      // An end of file (we never send empty messages).
      if size == 0 { return connections[index].proven ? .closed : .refused }
      var received = 0
      let message = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        received = recv(fd, buffer.baseAddress, size, Int32(MSG_DONTWAIT))
        initialized = max(0, received)
      }
      if received < 0 {
        let code = slug_errno()
        if code == EINTR || code == EAGAIN || code == EWOULDBLOCK || code == ECONNRESET { continue }
        return .closed
      }
      count += 1
      guard var handshake = connections[index].handshake else {
        events.append(.message(fd, message))
        continue
      }
      switch handshake.receive(message, prefix: prefix, key: key) {
      case .answer(let proof):
        connections[index].handshake = handshake
        guard PeerMesh.transmit(proof, on: fd) == 0 else { return .closed }
      case .proven:
        connections[index].handshake = nil
        flush(index)
      case .refused:
        return .refused
      }
    }
    return .open
  }

  /// Logs that the peer at INDEX did not prove the key.
  private func refuse(_ index: Int) {
    let connection = connections[index]
    log.warning("mesh: refused a peer (pid \(connection.pid), uid \(connection.uid)): it did not prove \(key.name)")
  }

  /// Sends what is queued until the socket is full again.
  private func flush(_ index: Int) {
    let fd = connections[index].fd
    while connections[index].hasQueuedOutput {
      let message = connections[index].queue[connections[index].queueHead]
      if PeerMesh.transmit(message, on: fd) == EAGAIN { return }
      connections[index].queueHead += 1
      connections[index].queuedBytes -= message.count
    }
    connections[index].queue = []
    connections[index].queueHead = 0
  }

  /// One non-blocking send: 0 when sent, else errno (EAGAIN: try again later; anything else:
  /// the message is lost with the connection, whose hang-up poll reports).
  static func transmit(_ message: [UInt8], on fd: Int32) -> Int32 {
    while true {
      let sent = message.withUnsafeBytes {
        CLibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
      }
      if sent >= 0 { return 0 }
      let code = slug_errno()
      if code != EINTR { return code == EWOULDBLOCK ? EAGAIN : code }
    }
  }

  /// Room for one message of the largest size in each direction (the kernel doubles the value
  /// and caps it at net.core.wmem_max, 208 KiB by default, so ask for the full size).
  static func raiseBuffers(_ fd: Int32) {
    var size = Int32(maximumMessageBytes + 4096)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
  }
}
