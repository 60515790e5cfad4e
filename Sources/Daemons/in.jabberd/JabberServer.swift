import CLibc

/// The process of one client connection: fd 0 and, once the client is logged in, the mesh
/// connections to the other in.jabberd processes, in one poll loop. Everything the protocol
/// decides is in `Session`; this carries out its actions.
struct JabberServer {
  let options: JabberOptions
  let log: Log
  /// A client that has not logged in gets this long, whatever the idle time.
  static let loginSeconds = 60
  /// How long one write to the client may take before the client counts as gone.
  static let writeSeconds = 30

  init(options: JabberOptions, log: Log) {
    self.options = options
    self.log = log
  }

  func run() -> Int32 {
    let connection = StreamConnection(fd: 0)
    let directory = JabberDirectory(databasePath: options.database, usersFile: options.usersFile, log: log)
    var session = Session(
      configuration: SessionConfiguration(
        domain: options.domain, fallbackDomain: JabberServer.hostName(), legacyOnly: options.legacy),
      backend: directory, randomBytes: JabberServer.randomBytes)
    var parser = XMLStreamParser()
    var mesh: PeerMesh?
    var lastHeard = Deadline.now()
    // 16 KiB a read (the original's size): a bigger stanza just takes several reads, and every
    // connected user's process holds this buffer.
    var buffer = [UInt8](repeating: 0, count: 16384)

    /// Carries out the session's actions in order; false once the connection is to end.
    func perform(_ actions: [SessionAction]) -> Bool {
      var output: [UInt8] = []
      func flush() -> Bool {
        guard !output.isEmpty else { return true }
        defer { output = [] }
        return connection.write(output, deadline: .after(seconds: JabberServer.writeSeconds)) == .written
      }
      for action in actions {
        switch action {
        case .write(let text):
          output += text.utf8
        case .restartParser:
          parser.restart()
        case .joinMesh:
          do throws(MeshError) {
            let joined = try PeerMesh(prefix: PeerMesh.prefix(forStorePath: directory.meshKey))
            joined.connectToAll()
            mesh = joined
          } catch {
            log.error("mesh: \(error.description)")
          }
        case .meshSend(let peer, let message):
          mesh?.send(message, to: peer)
        case .meshBroadcast(let message):
          mesh?.broadcast(message)
        case .deleteOfflineMessages(let user, let id):
          // Only what the client was sent goes.
          guard flush() else { return false }
          directory.deleteOfflineMessages(for: user, upTo: id)
        case .log(let line):
          switch line.level {
          case .authNotice: log.authNotice(line.message)
          case .authError: log.authError(line.message)
          case .warning: log.warning(line.message)
          case .info: log.info(line.message)
          case .debug: log.debug(line.message)
          }
        case .close:
          _ = flush()
          return false
        }
      }
      return flush()
    }

    /// The session's reaction to one event; false once the connection is to end.
    func handle(_ event: SessionEvent) -> Bool {
      perform(session.handle(event, now: JabberServer.unixMilliseconds()))
    }

    /// What the mesh reports for `ready`; false once the connection is to end.
    func meshEvents(_ ready: [pollfd]) -> Bool {
      guard let mesh else { return true }
      for event in mesh.process(ready) {
        let keepGoing: Bool
        switch event {
        case .joined(let peer): keepGoing = handle(.peerJoined(peer))
        case .message(let peer, let bytes): keepGoing = handle(.peerMessage(peer, bytes))
        case .left(let peer): keepGoing = handle(.peerLeft(peer))
        }
        guard keepGoing else { return false }
      }
      return true
    }

    while true {
      let limit = session.isAuthenticated ? options.idleSeconds : min(options.idleSeconds, JabberServer.loginSeconds)
      let idleAt = Deadline(nanoseconds: lastHeard.nanoseconds + UInt64(limit) * 1_000_000_000)
      var descriptors = [pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)]
      if let mesh { descriptors += mesh.pollDescriptors }
      let ready = poll(&descriptors, nfds_t(descriptors.count), idleAt.remainingMilliseconds)
      if ready < 0 {
        guard slug_errno() == EINTR else {
          log.error("poll: \(String(cString: strerror(slug_errno())))")
          return EX_IOERR
        }
        continue
      }
      if ready == 0 {
        if Deadline.now() >= idleAt, !handle(.idle) { return 0 }
        continue
      }
      // The mesh first: a new session's hello, read before the client's next stanza, lets that
      // stanza reach the new session instead of the offline store.
      if mesh != nil, !meshEvents(Array(descriptors.dropFirst())) { return 0 }
      if descriptors[0].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { CLibc.read(connection.fd, $0.baseAddress, $0.count) }
        if count > 0 {
          lastHeard = .now()
          let events: [XMLStreamEvent]
          do throws(XMLStreamError) {
            events = try parser.feed(buffer[0..<count])
          } catch {
            _ = handle(.clientError(error))
            return 0
          }
          for event in events {
            let wasInMesh = mesh != nil
            guard handle(.client(event)) else { return 0 }
            // Just logged in: the hellos go out on the new connections before anything the
            // client sends next (a stanza ahead of its hello would be dropped by the peer).
            if !wasInMesh, mesh != nil, !meshEvents([]) { return 0 }
          }
        } else if count == 0 || (slug_errno() != EAGAIN && slug_errno() != EINTR) {
          _ = handle(.clientEnded)
          return 0
        }
      }
    }
  }

  static func unixMilliseconds() -> Int64 {
    var clock = timespec()
    clock_gettime(CLOCK_REALTIME, &clock)
    return Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000
  }

  /// From the kernel's generator (getrandom blocks only before it is seeded at boot).
  static func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let got = bytes.withUnsafeMutableBytes { getrandom($0.baseAddress! + filled, count - filled, 0) }
      if got > 0 { filled += got }
    }
    return bytes
  }

  /// The domain when neither --domain nor the client names one.
  static func hostName() -> String {
    var name = [CChar](repeating: 0, count: 256)
    guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
    return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
