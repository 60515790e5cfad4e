import CLibc

/// The process of one client connection: fd 0 and, once the client is logged in, the mesh
/// connections to the other in.jabberd processes, in one poll loop. Everything the protocol
/// decides is in `Session`; this carries out its actions.
struct JabberServer: DaemonProgram {
  static let standardInput: [StandardInput] = [.streamSocket]
  static let inetdLine = "xmpp-client stream tcp nowait"
  /// A client that has not logged in gets this long, whatever the idle time.
  static let loginSeconds = 60
  /// How long one write to the client may take before the client counts as gone.
  static let writeSeconds = 30
  /// Bytes a read takes (the original's size): a bigger stanza just takes several reads, and
  /// every connected user's process holds this buffer.
  static let readBytes = 16384

  /// Where the users and the queued data are. Serving reads the users at each login, so a
  /// connection that never logs in never opens the store; -n reads them at once.
  struct Configuration {
    var directory: JabberDirectory
    /// A certificate and key are in the TLS directory: STARTTLS is offered (and required).
    var tlsAvailable: Bool
    /// How many users -n found.
    var checkedUserCount: Int?
  }

  static func load(_ options: JabberOptions, log: Log) throws(StartupError) -> Configuration {
    let tlsAvailable = options.tlsDirectory.map { TLSHandoff.isConfigured(directory: $0) } ?? false
    if options.directTLS, !tlsAvailable {
      throw StartupError(
        "--tls: no certificate (server.pem and server.key) in \(options.tlsDirectory ?? "the TLS directory: give --tls-dir or --db")"
          + "; make one with slugctl tls init", exitCode: EX_CONFIG)
    }
    return Configuration(
      directory: JabberDirectory(databasePath: options.database, usersFile: options.usersFile, log: log),
      tlsAvailable: tlsAvailable, checkedUserCount: nil)
  }

  static func loadForChecking(_ options: JabberOptions, log: Log) throws(StartupError) -> Configuration {
    var configuration = try load(options, log: log)
    configuration.checkedUserCount = try configuration.directory.readAccounts().count
    try configuration.directory.checkStore()
    if configuration.tlsAvailable, let directory = options.tlsDirectory { try TLSHandoff.check(directory: directory, log: log) }
    return configuration
  }

  /// The users' count, never their passwords.
  static func describe(_ options: JabberOptions, _ configuration: Configuration) -> String {
    let usersFrom = options.usersFile.map { "file \($0)" } ?? "store \(options.database ?? "")"
    return """
      domain \(options.domain ?? "the one each client's stream names")
      users-from \(usersFrom)
      users \(configuration.checkedUserCount.map(String.init) ?? "read at each login")
      store \(options.database ?? "none (no offline messages or vCards)")
      idle \(options.idleSeconds)
      legacy \(options.legacy ? "yes" : "no")
      tls-dir \(options.tlsDirectory ?? "none")
      tls \(tlsDescription(options, configuration))
      \(options.caps.description)
      """
  }

  static func tlsDescription(_ options: JabberOptions, _ configuration: Configuration) -> String {
    guard configuration.tlsAvailable else { return "none (no server.pem and server.key): logins in the clear" }
    if options.directTLS { return "direct (XEP-0368): the handshake before the stream" }
    return options.allowPlaintext
      ? "starttls offered, logins in the clear allowed (--allow-plaintext)" : "starttls required before login"
  }

  static func serve(_ options: JabberOptions, _ configuration: Configuration, on input: StandardInput?, log: Log) -> Int32 {
    if case .refused = ConnectionSlot.take(program: "in.jabberd", caps: options.caps, log: log) {
      // A direct TLS client could not read the reply in the clear.
      ConnectionSlot.refuse(with: options.directTLS ? [] : Array(busyReply(options).utf8))
      return 0
    }
    let directory = JabberDirectory(
      databasePath: options.database, usersFile: options.usersFile, log: log,
      clientAddress: SocketAddress.peer(of: 0).map(JabberServer.backOffKey))
    let server = JabberServer(
      options: options, directory: directory, tlsAvailable: configuration.tlsAvailable, log: log)
    guard options.directTLS else { return server.run(directTLS: nil) }
    // The helper logged why a handshake failed.
    guard let session = server.startTLS() else { return EX_OK }
    return server.run(directTLS: session)
  }

  /// RFC 6120 §4.9.1.1: an error before the stream is open still opens it, then names the
  /// condition (§4.9.3.16 resource-constraint: the server lacks the resources to serve the
  /// stream) and closes it.
  static func busyReply(_ options: JabberOptions) -> String {
    let domain = options.domain ?? ASCII.lowercased(Interfaces.hostName())
    return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + StanzaNamespace.stream + "'"
      + StanzaText.attribute("id", Hex.lowercase(Random.bytes(8))) + StanzaText.attribute("from", domain)
      + (options.legacy ? "" : " version='1.0'") + " xml:lang='en'>"
      + "<stream:error><resource-constraint xmlns='" + StanzaNamespace.streamErrors + "'/></stream:error></stream:stream>"
  }

  /// The client as the back-off counts it: an IPv4 address (also when mapped into IPv6), or
  /// an IPv6 address's /64, which one host usually has whole.
  static func backOffKey(_ peer: SocketAddress) -> String {
    if let v4 = peer.ipv4Address { return SocketAddress.dottedQuad(v4) }
    guard case .ipv6(let address, _, _) = peer else { return peer.host }
    let prefix = SocketAddress.ipv6(address: Array(address.prefix(8)) + [0, 0, 0, 0, 0, 0, 0, 0], port: 0, scopeID: 0)
    return prefix.host + "/64"
  }

  let options: JabberOptions
  let directory: JabberDirectory
  let tlsAvailable: Bool
  let log: Log

  /// Hands the connection to slug-tls (docs/design.md, "TLS"); the session's binding data.
  func startTLS() -> SessionTLS? {
    guard let directory = options.tlsDirectory, let started = TLSHandoff.start(directory: directory, log: log) else {
      return nil
    }
    return SessionTLS(version: started.version, exporter: started.exporter, endPoint: started.endPoint)
  }

  /// `directTLS`: the handshake is done, the stream comes under TLS.
  func run(directTLS: SessionTLS?) -> Int32 {
    var connection = StreamConnection(fd: 0)
    var session = Session(
      configuration: SessionConfiguration(
        domain: options.domain, fallbackDomain: Interfaces.hostName(), legacyOnly: options.legacy,
        tlsAvailable: tlsAvailable, allowPlaintext: options.allowPlaintext),
      backend: directory, randomBytes: Random.bytes)
    var parser = XMLStreamParser()
    /// Handshakes done: what the client sent after `<starttls/>` is not looked at.
    var handshakes = 0
    var mesh: PeerMesh?
    /// `.joinMesh` was carried out: the joined peers are reported, then `.meshJoined`.
    var joining = false
    /// A write to the client failed: the session is told the client is gone.
    var clientGone = false
    var lastHeard = Deadline.now()
    var buffer = [UInt8](repeating: 0, count: JabberServer.readBytes)

    /// Carries out the session's actions in order; false once the connection is to end.
    func perform(_ actions: [SessionAction]) -> Bool {
      var output: [UInt8] = []
      func flush() -> Bool {
        guard !output.isEmpty else { return true }
        defer { output = [] }
        if clientGone { return false }
        guard connection.write(output, deadline: .after(seconds: JabberServer.writeSeconds)) == .written else {
          clientGone = true
          return false
        }
        return true
      }
      for action in actions {
        switch action {
        case .write(let text):
          output += text.utf8
        case .restartParser:
          parser.restart()
        case .joinMesh:
          joining = true
          // Without the key there is no mesh: messages go to the store (logged).
          guard let key = directory.meshKey() else { break }
          do throws(MeshError) {
            let joined = try PeerMesh(prefix: PeerMesh.prefix(forStorePath: directory.meshPath), key: key, log: log)
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
        case .archive(let entry):
          directory.archive(entry)
        case .storeRoomMessage(let message):
          // The occupants have it (the mesh sends went out above) before the store is written.
          guard flush() else { return false }
          directory.storeRoomMessage(message)
        case .log(let line):
          switch line.level {
          case .authNotice: log.authNotice(line.message)
          case .authError: log.authError(line.message)
          case .warning: log.warning(line.message)
          case .info: log.info(line.message)
          case .debug: log.debug(line.message)
          }
        case .pause(let until):
          // Back-off: nothing more is read from the client until then (it may hang up); the
          // wait is not the client's idleness, so its idle time starts again after it.
          guard flush(), waitOut(until) else { return false }
          lastHeard = .now()
          guard handle(.resume) else { return false }
        case .close:
          _ = flush()
          return false
        case .startTLS:
          // `<proceed/>` goes first; the parser's and the loop's unread bytes are dropped.
          guard flush(), let layer = startTLS() else { return false }
          handshakes += 1
          lastHeard = .now()
          connection = StreamConnection(fd: 0)
          parser = XMLStreamParser()
          guard handle(.tlsStarted(layer)) else { return false }
        }
      }
      return flush()
    }

    /// Sleeps in poll until `until` (Unix ms; at most the login time from now), watching only
    /// for the client hanging up: false if it did.
    func waitOut(_ until: Int64) -> Bool {
      let end = min(until, JabberServer.unixMilliseconds() + Int64(JabberServer.loginSeconds) * 1000)
      while true {
        let left = end - JabberServer.unixMilliseconds()
        guard left > 0 else { return true }
        // POLLRDHUP (0x2000, hidden without _GNU_SOURCE): the client shut its side. Not
        // POLLIN: what it sends meanwhile waits in the socket.
        var descriptor = [pollfd(fd: connection.fd, events: Int16(0x2000), revents: 0)]
        let ready = poll(&descriptor, 1, Int32(min(left, 60_000)))
        if ready < 0, slug_errno() != EINTR { return false }
        if ready > 0 { return false }
      }
    }

    /// The session's reaction to one event; false once the connection is to end. A client that
    /// could not be written to is gone: the session hears so (what it wrote and was not
    /// acknowledged is kept for it, XEP-0198), with nothing more written.
    func handle(_ event: SessionEvent) -> Bool {
      guard perform(session.handle(event, now: JabberServer.unixMilliseconds())) else {
        if clientGone, !session.isClosed { _ = perform(session.handle(.clientEnded, now: JabberServer.unixMilliseconds())) }
        return false
      }
      return true
    }

    /// After `.joinMesh`: the peers it found are reported, then the session hears it is in.
    func finishJoining() -> Bool {
      guard joining else { return true }
      joining = false
      if mesh != nil, !meshEvents([]) { return false }
      return handle(.meshJoined)
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

    // Archive rows still queued are written whichever way the connection ends.
    defer { directory.writeArchive() }
    if let directTLS, !handle(.tlsStarted(directTLS)) { return EX_OK }
    while true {
      let limit = session.isAuthenticated ? options.idleSeconds : min(options.idleSeconds, JabberServer.loginSeconds)
      let idleAt = lastHeard.adding(seconds: limit)
      var descriptors = [pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)]
      if let mesh { descriptors += mesh.pollDescriptors }
      // A mesh peer that has not proven itself by its deadline is dropped then.
      let wake = min(idleAt, mesh?.handshakeDeadline ?? idleAt, directory.archiveDue ?? idleAt)
      let ready = poll(&descriptors, nfds_t(descriptors.count), wake.remainingMilliseconds)
      if ready < 0 {
        guard slug_errno() == EINTR else {
          log.error("poll: \(String(cString: strerror(slug_errno())))")
          return EX_IOERR
        }
        continue
      }
      if let due = directory.archiveDue, Deadline.now() >= due { directory.writeArchive() }
      if ready == 0 {
        if Deadline.now() >= idleAt, !handle(.idle) { return EX_OK }
        if mesh != nil, !meshEvents([]) { return EX_OK }
        continue
      }
      // The mesh first: a new session's hello, read before the client's next stanza, lets that
      // stanza reach the new session instead of the offline store.
      if mesh != nil, !meshEvents(Array(descriptors.dropFirst())) { return EX_OK }
      if descriptors[0].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { CLibc.read(connection.fd, $0.baseAddress, $0.count) }
        if count > 0 {
          lastHeard = .now()
          let events: [XMLStreamEvent]
          do throws(XMLStreamError) {
            events = try parser.feed(buffer[0..<count])
          } catch {
            _ = handle(.clientError(error))
            return EX_OK
          }
          let handshakesBefore = handshakes
          for event in events {
            let wasInMesh = mesh != nil
            guard handle(.client(event)) else { return EX_OK }
            // STARTTLS injection: stanzas pipelined behind <starttls/> were sent in the clear.
            if handshakes != handshakesBefore { break }
            // Just logged in: the hellos go out on the new connections before anything the
            // client sends next (a stanza ahead of its hello would be dropped by the peer).
            if !wasInMesh, !finishJoining() { return EX_OK }
          }
        } else if count == 0 || (slug_errno() != EAGAIN && slug_errno() != EINTR) {
          _ = handle(.clientEnded)
          return EX_OK
        }
      }
    }
  }

  static func unixMilliseconds() -> Int64 {
    var clock = timespec()
    clock_gettime(CLOCK_REALTIME, &clock)
    return Int64(clock.tv_sec) * 1000 + Int64(clock.tv_nsec) / 1_000_000
  }
}
