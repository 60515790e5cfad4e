import CLibc

/// `--max-clients N` and `--max-per-source N`: how many connections a TCP daemon serves at once
/// in all and from one client address. The super-server starts a process per connection and
/// knows nothing of the protocol, so the daemon counts and refuses itself: in its protocol (an
/// HTTP 503, an SMTP 421, an XMPP stream error) and with one log line naming the client.
public struct ConnectionCaps: Sendable, Equatable {
  public var total: Int
  public var perSource: Int

  public static let optionNames: [String] = ["max-clients", "max-per-source"]
  public static let synopsis = "[--max-clients N] [--max-per-source N]"

  public init(total: Int, perSource: Int) {
    self.total = total
    self.perSource = min(perSource, total)
  }

  /// The caps from the command line, each defaulting to the daemon's own figure.
  public init(_ arguments: Arguments, total defaultTotal: Int, perSource defaultPerSource: Int) throws(UsageError) {
    let total = try arguments.integer("max-clients", in: 1...10000) ?? defaultTotal
    self.init(total: total, perSource: try arguments.integer("max-per-source", in: 1...10000) ?? defaultPerSource)
  }

  /// For `-n`: one `name value` a line.
  public var description: String { "max-clients \(total)\nmax-per-source \(perSource)" }
}

/// One connection's hold on its daemon's caps, in a System V semaphore set shared by every
/// process of the daemon on that port: semaphore 0 counts down from the total, and each of
/// `buckets` counts down from the per-source cap for the client addresses hashed to it (an
/// IPv4 address, also mapped into IPv6; an IPv6 /64, which one host usually holds whole). Both
/// are taken in one atomic semop with SEM_UNDO, so the kernel gives them back when the process
/// exits, kill -9 included, and nothing is ever left to clean up; a child (a CGI program,
/// sendmail) holds none. The set's key hashes the program, the port and the caps, so a daemon
/// started with other caps gets a set of its own; mode 0600 keeps it to the daemon's user, and a
/// set someone else made first under the key is not taken.
/// When the set cannot be had (another user's, a kernel without System V IPC) the daemon
/// serves without caps and says so once.
public struct ConnectionSlot {
  let set: Int32
  let bucket: UInt16

  /// Buckets for client addresses: a few hundred, so two hosts of a LAN rarely share one.
  static let buckets = 251

  public enum Outcome {
    /// Serve; give the slot back with `give` when done (or just exit). nil: no caps apply.
    case admitted(ConnectionSlot?)
    /// A cap is reached: answer the client so, and close.
    case refused(SocketAddress)
  }

  /// Takes a slot for the client of the connected socket `fd`. A connection without a peer
  /// address (pipes, a Unix-domain socket) is admitted without one.
  public static func take(for fd: Int32 = 0, program: String, caps: ConnectionCaps, log: Log) -> Outcome {
    guard let peer = SocketAddress.peer(of: fd), let local = SocketAddress.local(of: fd) else { return .admitted(nil) }
    let set = slug_slots_open(key(program: program, port: local.port, caps: caps), Int32(1 + buckets), Int32(caps.total), Int32(caps.perSource))
    guard set >= 0 else {
      log.warning("serving \(peer.host) without connection caps: semaphore set: \(String(cString: strerror(slug_errno())))")
      return .admitted(nil)
    }
    let bucket = UInt16(1 + Int(source(of: peer) % UInt32(buckets)))
    if slug_slots_take(set, bucket) == 0 { return .admitted(ConnectionSlot(set: set, bucket: bucket)) }
    let code = slug_errno()
    guard code == EAGAIN else {
      log.warning("serving \(peer.host) without connection caps: semop: \(String(cString: strerror(code)))")
      return .admitted(nil)
    }
    if slug_slots_value(set, Int32(bucket)) == 0 {
      log.notice("refused \(peer.host): \(caps.perSource) connections from this address already (--max-per-source)")
    } else {
      log.notice("refused \(peer.host): \(caps.total) connections already (--max-clients)")
    }
    return .refused(peer)
  }

  /// Gives the slot back: a process that serves several connections in turn (in.proxy's
  /// workers) does so after each.
  public func give() {
    _ = slug_slots_give(set, bucket)
  }

  /// Writes a refusal, then closes the way a server must to have it read: the sending side
  /// first, then reading what the client had sent for a moment, since closing with unread
  /// bytes sends a reset, which can destroy the reply before the client reads it.
  public static func refuse(_ fd: Int32 = 0, with reply: [UInt8]) {
    let connection = StreamConnection(fd: fd)
    if !reply.isEmpty { _ = connection.write(reply, deadline: .after(seconds: 2)) }
    shutdown(fd, Int32(SHUT_WR))
    let deadline = Deadline.after(seconds: 2)
    var drained = 0
    while drained < 65536, case .data(let bytes) = connection.read(maximum: 16384, deadline: deadline) {
      drained += bytes.count
    }
  }

  /// The client as the per-source cap counts it.
  static func source(of peer: SocketAddress) -> UInt32 {
    if let v4 = peer.ipv4Address { return fnv1a([4, UInt8(v4 >> 24), UInt8(v4 >> 16 & 0xFF), UInt8(v4 >> 8 & 0xFF), UInt8(v4 & 0xFF)]) }
    guard case .ipv6(let address, _, _) = peer else { return 0 }
    return fnv1a([6] + address.prefix(8))
  }

  /// The set's key: never IPC_PRIVATE (0), and positive. Public for the tests, which remove
  /// the sets of the ports they used (`ipcrm -S`); a machine keeps one per daemon and port.
  public static func key(program: String, port: UInt16, caps: ConnectionCaps) -> key_t {
    let text = "slug \(program) \(port) \(caps.total) \(caps.perSource)"
    return key_t(bitPattern: fnv1a(Array(text.utf8)) & 0x7FFF_FFFF | 0x0100_0000)
  }

  static func fnv1a(_ bytes: [UInt8]) -> UInt32 {
    var hash: UInt32 = 2_166_136_261
    for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return hash
  }
}
