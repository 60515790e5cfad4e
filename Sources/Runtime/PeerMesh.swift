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
/// left behind. A peer whose credentials are neither ours nor root's is dropped.
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

  public let prefix: String
  /// Our abstract name, without the leading NUL: `prefix` + pid.
  public let name: String
  private let listener: Int32
  private var connections: [Connection] = []

  private struct Connection {
    let fd: Int32
    let pid: pid_t
    /// False until `process` has reported it as `.joined`.
    var announced: Bool
    var queue: [[UInt8]] = []
    var queueHead = 0
    var queuedBytes = 0

    init(fd: Int32, pid: pid_t, announced: Bool) {
      self.fd = fd
      self.pid = pid
      self.announced = announced
    }

    var hasQueuedOutput: Bool { queueHead < queue.count }
  }

  /// Binds and listens on `@<prefix><pid>`.
  public init(prefix: String) throws(MeshError) {
    self.prefix = prefix
    name = prefix + String(getpid())
    let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { throw MeshError(operation: "socket", code: slug_errno()) }
    let bound = PeerMesh.withAbstractAddress(name) { bind(fd, $0, $1) }
    guard bound == 0, listen(fd, SOMAXCONN) == 0 else {
      let code = slug_errno()
      close(fd)
      throw MeshError(operation: bound == 0 ? "listen @\(name)" : "bind @\(name)", code: code)
    }
    listener = fd
  }

  deinit {
    for connection in connections { close(connection.fd) }
    close(listener)
  }

  /// The live connections, announced or not yet.
  public var peers: [Peer] { connections.map { $0.fd } }

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
      adopt(fd, announced: false)
      known.insert(pid)
    }
  }

  /// The listener and every connection; POLLOUT where output is queued, or where a new
  /// connection waits to be reported (a new connection is writable, so poll returns at once).
  public var pollDescriptors: [pollfd] {
    var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
    for connection in connections {
      let wantsOutput = connection.hasQueuedOutput || !connection.announced
      descriptors.append(pollfd(fd: connection.fd, events: Int16(POLLIN) | (wantsOutput ? Int16(POLLOUT) : 0), revents: 0))
    }
    return descriptors
  }

  /// Handles what poll reported for our descriptors (others in `ready` are ignored) and
  /// returns what happened, in order: a peer's `.joined` comes before its messages, its
  /// messages before its `.left`.
  public func process(_ ready: [pollfd]) -> [MeshEvent] {
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
      if entry.revents & Int16(POLLOUT) != 0 { flush(index) }
      guard entry.revents & Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL) != 0 else { continue }
      if receive(index, into: &events) {
        close(entry.fd)
        connections.remove(at: index)
        events.append(.left(entry.fd))
      }
    }
    // Last, so a descriptor closed above and reused by accept is not mistaken for the old one.
    if listenerReady {
      for fd in acceptPending(announced: true) { events.append(.joined(fd)) }
    }
    return events
  }

  /// Sends one message (at most `maximumMessageBytes`; an empty one is not sent); never blocks:
  /// what the socket cannot take now is queued and flushed by `process`. A peer that lets
  /// `maximumQueuedBytes` pile up is hung up, and reported as `.left`.
  public func send(_ message: [UInt8], to peer: Peer) {
    guard !message.isEmpty, let index = connections.firstIndex(where: { $0.fd == peer }) else { return }
    if !connections[index].hasQueuedOutput, PeerMesh.transmit(message, on: peer) != EAGAIN { return }
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

  /// The abstract names (without the leading NUL) listening with this prefix followed by a
  /// pid, from /proc/net/unix. Read in pieces: with many sessions connected the table has
  /// thousands of lines, and holding it whole would leave a few hundred KB of heap behind in
  /// every session that joins.
  public static func liveNames(prefix: String) -> [String] {
    let fd = slug_open("/proc/net/unix", O_RDONLY | O_CLOEXEC, 0)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    let wanted = [UInt8(ascii: "@")] + Array(prefix.utf8)
    var names: [String] = []
    var line: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
      let count = chunk.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { break }
      var start = 0
      while let end = chunk[start..<count].firstIndex(of: UInt8(ascii: "\n")) {
        line += chunk[start..<end]
        if let name = listeningName(line, wanted: wanted) { names.append(name) }
        line.removeAll(keepingCapacity: true)
        start = end + 1
      }
      line += chunk[start..<count]
    }
    return names
  }

  /// The name on a /proc/net/unix line (Num RefCount Protocol Flags Type St Inode Path) when it
  /// is a listening (__SO_ACCEPTCON) seqpacket socket named `wanted` (with its "@") and a pid;
  /// the connections a listener accepted carry its name too, and are not listening.
  private static func listeningName(_ line: [UInt8], wanted: [UInt8]) -> String? {
    // The path (the last field) first: most lines are not ours.
    guard let space = line.lastIndex(of: UInt8(ascii: " ")) else { return nil }
    let path = line[(space + 1)...]
    guard path.starts(with: wanted) else { return nil }
    let pid = path.dropFirst(wanted.count)
    guard !pid.isEmpty, pid.count <= 10, pid.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    let fields = line.split(separator: UInt8(ascii: " "))
    guard fields.count == 8, fields[3].elementsEqual("00010000".utf8), fields[4].elementsEqual("0005".utf8)
    else { return nil }
    return String(decoding: path.dropFirst(), as: UTF8.self)
  }

  /// Connects to each live name, sends the message and closes: for a process outside the mesh
  /// (slugctl) that has something to say to every member. Silent when no one is listening.
  public static func notifyAll(prefix: String, message: [UInt8]) {
    guard !message.isEmpty else { return }
    for other in liveNames(prefix: prefix) {
      let fd = connect(to: other)
      guard fd >= 0 else { continue }
      _ = transmit(message, on: fd)
      close(fd)
    }
  }

  /// "slug-SERVICE:" and 8 hex digits of the FNV-1a hash of the store's real path, so
  /// processes on different stores never meet, and every spelling of one path meets; each
  /// service ("jabberd", "ctcs") has its own mesh.
  public static func prefix(forStorePath path: String, service: String = "jabberd") -> String {
    var canonical = path
    if let resolved = realpath(path, nil) {
      canonical = String(cString: resolved)
      free(resolved)
    }
    var hash: UInt32 = 0x811c_9dc5
    for byte in canonical.utf8 {
      hash ^= UInt32(byte)
      hash = hash &* 0x0100_0193
    }
    let digits = String(hash, radix: 16)
    return "slug-" + service + ":" + String(repeating: "0", count: 8 - digits.utf8.count) + digits
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
      if adopt(fd, announced: announced) { accepted.append(fd) }
    }
  }

  /// Keeps a connected socket whose peer runs as our user or root; closes it otherwise.
  @discardableResult
  private func adopt(_ fd: Int32, announced: Bool) -> Bool {
    var pid: pid_t = 0
    var uid: uid_t = 0
    guard slug_peer_credentials(fd, &pid, &uid) == 0, uid == geteuid() || uid == 0 else {
      close(fd)
      return false
    }
    PeerMesh.raiseBuffers(fd)
    connections.append(Connection(fd: fd, pid: pid, announced: announced))
    return true
  }

  /// Reads every whole message waiting (up to `messagesPerTurn`); true when the peer is gone.
  private func receive(_ index: Int, into events: inout [MeshEvent]) -> Bool {
    let fd = connections[index].fd
    var count = 0
    while count < PeerMesh.messagesPerTurn {
      // The size of the next message, without taking it.
      let size = recv(fd, nil, 0, Int32(MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT))
      if size < 0 {
        let code = slug_errno()
        if code == EINTR { continue }
        return !(code == EAGAIN || code == EWOULDBLOCK)
      }
      // An end of file (we never send empty messages).
      if size == 0 { return true }
      var received = 0
      let message = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        received = recv(fd, buffer.baseAddress, size, Int32(MSG_DONTWAIT))
        initialized = max(0, received)
      }
      if received < 0 {
        let code = slug_errno()
        if code == EINTR || code == EAGAIN || code == EWOULDBLOCK { continue }
        return true
      }
      events.append(.message(fd, message))
      count += 1
    }
    return false
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
  private static func transmit(_ message: [UInt8], on fd: Int32) -> Int32 {
    while true {
      let sent = message.withUnsafeBytes {
        CLibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
      }
      if sent >= 0 { return 0 }
      let code = slug_errno()
      if code != EINTR { return code == EWOULDBLOCK ? EAGAIN : code }
    }
  }

  /// A non-blocking connection to `@name` from a peer with acceptable credentials, or -1.
  private static func connect(to name: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    guard fd >= 0 else { return -1 }
    raiseBuffers(fd)
    while true {
      if withAbstractAddress(name, { CLibc.connect(fd, $0, $1) }) == 0 { return fd }
      if slug_errno() != EINTR { break }
    }
    close(fd)
    return -1
  }

  /// Room for one message of the largest size in each direction (the kernel doubles the value
  /// and caps it at net.core.wmem_max, 208 KiB by default, so ask for the full size).
  private static func raiseBuffers(_ fd: Int32) {
    var size = Int32(maximumMessageBytes + 4096)
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
  }

  /// Takes `@<prefix>joining` (bound, not listening, so never one of the live names), waiting
  /// up to a second while another process holds it; -1 when it could not be had, and the
  /// join goes ahead anyway (at worst a duplicate connection).
  private static func acquireJoinLock(prefix: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return -1 }
    var pause = timespec(tv_sec: 0, tv_nsec: 500_000)
    for _ in 0..<2000 {
      if withAbstractAddress(prefix + "joining", { bind(fd, $0, $1) }) == 0 { return fd }
      guard slug_errno() == EADDRINUSE else { break }
      nanosleep(&pause, nil)
    }
    close(fd)
    return -1
  }

  /// A sockaddr_un for the abstract name: a NUL, then the name, no terminator.
  private static func withAbstractAddress<Result>(
    _ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
  ) -> Result {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(name.utf8.prefix(MemoryLayout.size(ofValue: address.sun_path) - 1))
    withUnsafeMutableBytes(of: &address.sun_path) { path in
      path[0] = 0
      for (offset, byte) in bytes.enumerated() { path[1 + offset] = byte }
    }
    let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
    }
  }
}
