import CLibc

/// Speaks SMTP on an accepted connection, or on pipes (stdin and stdout) for a local client.
extension Relay: DaemonProgram {
  static let standardInput: [StandardInput] = [.streamSocket, .pipes]
  static let inetdLine = "smtp stream tcp nowait"

  struct Configuration {
    /// The name the relay greets with and writes into Received: --hostname, else gethostname(2).
    var hostName: String
    /// The TLS directory holds a certificate and key: STARTTLS is offered.
    var tlsConfigured: Bool
  }

  /// Two stats for TLS (neither file is read: the helper reads them for a handshake). Implicit
  /// TLS without a certificate cannot serve at all; submission without one can take no AUTH,
  /// so no mail, and says so.
  static func load(_ options: RelayOptions, log: Log) throws(StartupError) -> Configuration {
    let configured = TLSHandoff.isConfigured(directory: options.tlsDirectory)
    let missing = "no certificate in \(options.tlsDirectory) (server.pem and server.key; slugctl tls init makes them)"
    if options.implicitTLS && !configured { throw StartupError("--tls: \(missing)", exitCode: EX_CONFIG) }
    if options.submission && !configured { log.error("--submission needs TLS for AUTH, so every MAIL is refused: \(missing)") }
    return Configuration(hostName: options.hostName ?? Interfaces.hostName(), tlsConfigured: configured)
  }

  static func describe(_ options: RelayOptions, _ configuration: Configuration) -> String {
    let hostName = configuration.hostName
    var lines = ["sendmail \(options.sendmail)", "sendmail-timeout \(options.sendmailSeconds)", "hostname \(hostName)"]
    lines += options.allowed.ranges.map { "allow \($0.description)" }
    lines += options.relayDomains.isEmpty ? ["relay-domain none"] : options.relayDomains.map { "relay-domain \(ASCII.lowercased($0))" }
    lines += [
      "max-size \(options.maximumMessageSize)",
      "max-recipients \(options.maximumRecipients)",
      "spool \(options.spoolDirectory)",
      "command-timeout \(options.commandSeconds)",
      "data-timeout \(options.dataSeconds)",
      options.caps.description,
      "mode \(options.submission ? "submission" : "relay")",
      "tls \(options.implicitTLS ? "implicit" : configuration.tlsConfigured ? "starttls" : "off")",
      "tls-dir \(options.tlsDirectory) \(configuration.tlsConfigured ? "configured" : "not configured")",
      "db \(options.database)", "domain \(options.domain ?? ASCII.lowercased(Interfaces.hostName()))",
    ]
    return lines.joined(separator: "\n")
  }

  static func serve(_ options: RelayOptions, _ configuration: Configuration, on input: StandardInput?, log: Log) -> Int32 {
    let hostName = configuration.hostName
    // RFC 5321 §3.1: a server that cannot serve now greets with 421 and closes.
    if case .refused = ConnectionSlot.take(program: "in.smtp", caps: options.caps, log: log) {
      ConnectionSlot.refuse(with: Array("421 \(hostName) Service not available: too many connections, try again later\r\n".utf8))
      return 0
    }
    let local = input == .pipes
    var relay = Relay(options: options, hostName: hostName, offersTLS: configuration.tlsConfigured && !local, log: log, local: local)
    // RFC 8314 §3.3: implicit TLS, the handshake before the greeting.
    if options.implicitTLS && !local {
      guard relay.startTLS() else { return 0 }
    }
    return relay.run()
  }
}

/// One connection: reads with the phase's deadline, feeds the session, runs its actions, and
/// sends the replies it has before waiting for more input (PIPELINING, RFC 2920 §3).
struct Relay {
  let options: RelayOptions
  let log: Log
  let connection = StreamConnection(fd: 0)
  /// stdin and stdout are pipes from a local program, not inetd's socket.
  let local: Bool
  let peer: SocketAddress?
  let hostName: String
  var session: SMTPSession
  var spool: Spool?
  var output: [UInt8] = []
  var closing = false
  var messages = 0
  let accounts: MailAccounts
  var authenticationFailures = 0
  /// When the connection began: with the PID and the message count, a unique message id.
  let started = time(nil)

  init(options: RelayOptions, hostName: String, offersTLS: Bool, log: Log, local: Bool) {
    self.options = options
    self.log = log
    self.local = local
    peer = local ? nil : connection.peer
    self.hostName = hostName
    session = SMTPSession(
      configuration: SMTPConfiguration(
        hostName: hostName, maximumMessageSize: options.maximumMessageSize,
        maximumRecipients: options.maximumRecipients, clientMayRelay: local || options.allows(peer),
        relayDomains: options.relayDomains, offersTLS: offersTLS, submission: options.submission))
    accounts = MailAccounts(
      databasePath: options.database, domain: options.domain ?? ASCII.lowercased(Interfaces.hostName()))
  }

  var client: String { peer?.host ?? (local ? "local" : "unknown") }

  /// The client as an RFC 5321 address literal: `[192.0.2.1]`, `[IPv6:2001:db8::1]`.
  var addressLiteral: String {
    guard let peer, peer.ipv4Address == nil else { return "[\(client)]" }
    return "[IPv6:\(client)]"
  }

  /// Returns the exit status: 0 when the conversation ends, EX_IOERR when the socket fails.
  mutating func run() -> Int32 {
    output = session.greeting()
    while true {
      guard flush() else { return EX_IOERR }
      if closing { return 0 }
      let seconds = session.phase == .data ? options.dataSeconds : options.commandSeconds
      switch connection.read(maximum: 65536, deadline: .after(seconds: seconds)) {
      case .data(let bytes):
        perform(session.feed(bytes[...]))
      case .end:
        if session.phase == .data {
          log.notice("\(client): connection closed before the final dot; nothing delivered")
        }
        return 0
      case .timedOut:
        log.notice("\(client): timed out \(session.phase == .data ? "reading the message" : "waiting for a command")")
        perform(session.timedOut())
      case .failed(let code):
        if code == ECONNRESET { return 0 }
        log.error("read from \(client) failed: \(String(cString: strerror(code)))")
        return EX_IOERR
      }
    }
  }

  /// Runs actions in order; a delivery's outcome goes back to the session, whose answer
  /// (the DATA reply and whatever the input after the dot asked) is run next.
  mutating func perform(_ actions: [SMTPAction]) {
    var queue = actions
    var index = 0
    while index < queue.count {
      switch queue[index] {
      case .send(let bytes):
        output += bytes
      case .startMessage(let envelope):
        messages += 1
        let header = received(envelope)
        if spool == nil { spool = Spool(directory: options.spoolDirectory) }
        spool?.reset()
        spool?.append(header)
      case .appendBody(let bytes):
        spool?.append(bytes)
      case .deliver(let envelope, let size):
        queue += session.delivered(deliver(envelope, size: size))
      case .discardMessage(let envelope, let reason):
        spool?.reset()
        log.notice("\(describe(envelope)): refused, \(reason)")
      case .deniedRelay(let sender, let recipient):
        // Facility auth, as in.jabberd's DENIED: a refusal a watcher of the auth log wants.
        log.authError(
          "DENIED relay from \(client) to <\(String(decoding: recipient, as: UTF8.self))>"
            + " sender <\(String(decoding: sender, as: UTF8.self))>")
      case .startTLS(let discarded):
        if discarded > 0 { log.notice("\(client): discarded \(discarded) bytes sent behind STARTTLS") }
        // The 220 goes out in the clear first; then the helper has the connection.
        guard flush(), !closing, startTLS() else {
          closing = true
          break
        }
      case .authenticate(let credentials):
        queue += session.authenticated(authenticate(credentials))
      case .close:
        closing = true
      }
      index += 1
    }
  }

  /// Hands the spool to sendmail; `.queued` only when sendmail exited 0.
  mutating func deliver(_ envelope: SMTPEnvelope, size: Int) -> SMTPDelivery {
    let id = messageID()
    let what = "\(id): \(describe(envelope)) size=\(size)"
    guard var spool else {
      log.error("\(what): not delivered: no spool (memfd_create failed)")
      return .failed
    }
    if let failure = spool.failure {
      log.error("\(what): not delivered: writing the spool failed: \(String(cString: strerror(failure)))")
      spool.reset()
      self.spool = spool
      return .failed
    }
    spool.rewind()
    let outcome = Sendmail.deliver(
      path: options.sendmail, sender: envelope.sender, recipients: envelope.recipients, input: spool.fd,
      timeoutSeconds: options.sendmailSeconds)
    switch outcome {
    case .ended(.exited(0), _):
      log.info("\(what): sent")
      return .queued(id: id)
    case .ended(let status, let text):
      let how = if case .exited(let code) = status { "exited \(code)" } else { status.description }
      log.error("\(what): not delivered: \(options.sendmail) \(how)\(text.isEmpty ? "" : ": " + text)")
    case .couldNotStart(let code):
      log.error("\(what): not delivered: cannot run \(options.sendmail): \(String(cString: strerror(code)))")
    case .timedOut:
      log.error("\(what): not delivered: \(options.sendmail) took over \(options.sendmailSeconds) s and was killed")
    }
    return .failed
  }

  func describe(_ envelope: SMTPEnvelope) -> String {
    let recipients = envelope.recipients.map { "<" + String(decoding: $0, as: UTF8.self) + ">" }
    return "from=<\(String(decoding: envelope.sender, as: UTF8.self))> to=\(recipients.joined(separator: ",")) "
      + "client=\(client) helo=\(String(decoding: envelope.helo, as: UTF8.self))"
      + (envelope.tls.map { " tls=\($0.version)" } ?? "") + (envelope.user.map { " user=\($0)" } ?? "")
  }

  func received(_ envelope: SMTPEnvelope) -> [UInt8] {
    var now = time(nil)
    var clock = tm()
    localtime_r(&now, &clock)
    return ReceivedHeader.render(
      envelope: envelope, clientAddress: local ? "local" : addressLiteral, hostName: hostName, id: messageID(),
      date: RFC5322Date.format(unixTime: Int(now), utcOffsetSeconds: Int(clock.tm_gmtoff)))
  }

  /// Unique per message on this host: the connection's start time, PID and message count, so
  /// the Received header, the 250 and the log line name the same id.
  func messageID() -> String {
    let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUV".utf8)
    var text: [UInt8] = []
    for var value in [UInt64(started), UInt64(getpid()), UInt64(messages)] {
      var part: [UInt8] = []
      repeat {
        part.append(digits[Int(value & 31)])
        value >>= 5
      } while value > 0
      text += part.reversed()
      text.append(UInt8(ascii: "."))
    }
    return String(decoding: text.dropLast(), as: UTF8.self)
  }

  /// Sends what is queued; false when the client cannot be written to.
  mutating func flush() -> Bool {
    guard !output.isEmpty else { return true }
    defer { output.removeAll(keepingCapacity: true) }
    let deadline = Deadline.after(seconds: options.commandSeconds)
    switch local ? Relay.write(output, to: 1, deadline: deadline) : connection.write(output, deadline: deadline) {
    case .written:
      return true
    case .timedOut:
      log.notice("\(client) stopped reading; closing")
      closing = true
      return true
    case .failed(let code):
      if code == EPIPE || code == ECONNRESET {
        closing = true
        return true
      }
      log.error("write to \(client) failed: \(String(cString: strerror(code)))")
      return false
    }
  }

  /// A write to a pipe (stdout), which StreamConnection's send(2) cannot do.
  static func write(_ bytes: [UInt8], to fd: Int32, deadline: Deadline) -> StreamConnection.WriteResult {
    var offset = 0
    while offset < bytes.count {
      var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      let ready = poll(&descriptor, 1, deadline.remainingMilliseconds)
      if ready == 0 { return .timedOut }
      if ready < 0 {
        if slug_errno() == EINTR { continue }
        return .failed(slug_errno())
      }
      let count = bytes.withUnsafeBytes { CLibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if count < 0 {
        if slug_errno() == EINTR || slug_errno() == EAGAIN { continue }
        return .failed(slug_errno())
      }
      offset += count
    }
    return .written
  }
}
