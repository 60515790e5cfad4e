#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// One SMTP conversation (RFC 5321) as a value: bytes from the client go in, and what to do
/// comes out in order: replies to send, and the steps of a message (start it, append body
/// bytes, deliver it). The core never touches a descriptor or the clock; the runtime runs the
/// actions, and after a `.deliver` reports the outcome with `delivered(_:)` before feeding more.
///
/// Decisions where the RFCs leave a choice:
/// - MAIL needs EHLO or HELO first (503). Replies carry RFC 3463 enhanced codes after EHLO,
///   except the EHLO/HELO reply and 354 (RFC 2034 §4).
/// - A bare LF ends a command or body line as CRLF does. Body lines reach sendmail ending in
///   LF (the Unix mail interface); a CR not before LF is kept. The data ends at CRLF "." CRLF;
///   LF "." LF also ends it for a client whose DATA line ended in a bare LF (see BodyDecoder).
/// - Command lines longer than `SMTPCommand.maximumLineLength` (CRLF included) get 500 5.5.2
///   and are skipped to their end. Body lines may be long (RFC 5322 says 998) up to
///   `maximumBodyLine`; a longer one refuses the message at the final dot (554 5.6.0).
/// - A body over the size limit is read to the final dot and refused then (552 5.3.4);
///   MAIL with a larger SIZE= is refused at once.
/// - PIPELINING: every complete command in the input is answered, in order; the runtime sends
///   the replies it has before it waits for input again. Input after the final dot waits in
///   the session until the delivery is reported, so the DATA reply keeps its place.
/// - After `maximumErrors` refused commands the session ends with 421.
public struct SMTPSession: Sendable {
  public static let maximumBodyLine = 65536
  public static let maximumErrors = 20

  public let configuration: SMTPConfiguration

  public enum Phase: Equatable, Sendable {
    /// Waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes).
    case command
    /// Reading the message (§4.5.3.2.5: 3 minutes per read).
    case data
    /// The final dot arrived; waiting for `delivered(_:)`.
    case delivering
    /// AUTH's credentials are complete; waiting for `authenticated(_:)`.
    case authenticating
    /// 220 to STARTTLS was sent; the runtime hands the connection to TLS, then calls
    /// `startedTLS(_:)`. Input until then is discarded (RFC 3207 §4.2 leaves it unread).
    case startingTLS
    case closed
  }

  public internal(set) var phase: Phase = .command
  var helo: [UInt8]?
  var extended = false
  var transaction: Transaction?
  var line: [UInt8] = []
  var lineTooLong = false
  var errors = 0
  /// Input that arrived after the final dot or the credentials, kept until the outcome is reported.
  var held: [UInt8] = []
  /// The connection's TLS, once it has one.
  public internal(set) var tls: SMTPTLS?
  /// The account AUTH logged in as.
  public internal(set) var user: String?
  /// An AUTH exchange waiting for the client's next line.
  var exchange: AuthExchange?
  var authenticationFailures = 0
  private var body = BodyDecoder()

  struct Transaction: Sendable {
    var sender: [UInt8]
    var parameters: MailParameters
    var recipients: [[UInt8]] = []
  }

  public init(configuration: SMTPConfiguration) {
    self.configuration = configuration
  }

  /// The 220 banner, sent before anything is read.
  public func greeting() -> [UInt8] {
    Array("220 \(configuration.hostName) ESMTP in.smtp\r\n".utf8)
  }

  /// Takes bytes as they arrive; returns what to do, in order.
  public mutating func feed(_ bytes: ArraySlice<UInt8>) -> [SMTPAction] {
    var actions: [SMTPAction] = []
    switch phase {
    case .closed:
      return []
    case .delivering, .authenticating:
      held += bytes
      return []
    case .startingTLS:
      return []
    case .command, .data:
      consume(bytes, into: &actions)
    }
    return actions
  }

  /// The outcome of the last `.deliver`: the DATA reply, then whatever the held input brings.
  public mutating func delivered(_ outcome: SMTPDelivery) -> [SMTPAction] {
    guard phase == .delivering else { return [] }
    var actions: [SMTPAction] = []
    switch outcome {
    case .queued(let id):
      actions.append(.send(reply(250, "2.0.0", "Ok: queued as \(id)")))
    case .failed:
      actions.append(.send(reply(451, "4.3.0", "Local delivery failed; try again later")))
    }
    transaction = nil
    phase = .command
    let input = held
    held = []
    consume(input[...], into: &actions)
    return actions
  }

  /// The client was silent past the phase's timeout.
  public mutating func timedOut() -> [SMTPAction] {
    guard phase != .closed else { return [] }
    phase = .closed
    return [.send(reply(421, "4.4.2", "\(configuration.hostName) Error: timeout exceeded")), .close]
  }

  mutating func consume(_ bytes: ArraySlice<UInt8>, into actions: inout [SMTPAction]) {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      switch phase {
      case .closed:
        return
      case .delivering, .authenticating:
        held += bytes[index...]
        return
      case .startingTLS:
        // Anything behind STARTTLS is the client's plaintext, never a command (RFC 3207 §4.2:
        // the STARTTLS injection class of bugs); the runtime drops it with its buffer.
        actions.append(.startTLS(discarded: bytes.endIndex - index + line.count))
        line.removeAll()
        return
      case .data:
        let (used, end) = body.decode(bytes[index...], limit: configuration.maximumMessageSize)
        if !body.output.isEmpty {
          actions.append(.appendBody(body.output))
          body.output.removeAll(keepingCapacity: true)
        }
        index += used
        if let end { finishData(end, into: &actions) }
      case .command:
        let byte = bytes[index]
        index += 1
        if byte != UInt8(ascii: "\n") {
          if line.count < SMTPCommand.maximumLineLength - 1 {
            line.append(byte)
          } else {
            lineTooLong = true
          }
          continue
        }
        let endedWithCRLF = line.last == UInt8(ascii: "\r")
        if endedWithCRLF { line.removeLast() }
        if lineTooLong {
          lineTooLong = false
          line.removeAll(keepingCapacity: true)
          refuse(reply(500, "5.5.2", "Line too long"), into: &actions)
          continue
        }
        let command = line
        line.removeAll(keepingCapacity: true)
        if exchange != nil {
          continueAuthentication(command, into: &actions)
        } else {
          execute(command[...], endedWithCRLF: endedWithCRLF, into: &actions)
        }
      }
    }
    if phase == .startingTLS { actions.append(.startTLS(discarded: line.count)) }
  }

  mutating func finishData(_ end: BodyDecoder.End, into actions: inout [SMTPAction]) {
    let envelope = currentEnvelope()
    switch end {
    case .complete(let size):
      phase = .delivering
      actions.append(.deliver(envelope, size: size))
    case .tooBig:
      phase = .command
      transaction = nil
      actions.append(.discardMessage(envelope, reason: "larger than \(configuration.maximumMessageSize) bytes"))
      actions.append(.send(reply(552, "5.3.4", "Message size exceeds fixed limit")))
    case .lineTooLong:
      phase = .command
      transaction = nil
      actions.append(.discardMessage(envelope, reason: "a line longer than \(SMTPSession.maximumBodyLine) bytes"))
      actions.append(.send(reply(554, "5.6.0", "Message refused: a line longer than \(SMTPSession.maximumBodyLine) bytes")))
    }
  }

  mutating func execute(_ line: ArraySlice<UInt8>, endedWithCRLF: Bool, into actions: inout [SMTPAction]) {
    let command: SMTPCommand
    do throws(SMTPCommandError) {
      command = try SMTPCommand.parse(line, extended: extended)
    } catch {
      let text: [UInt8] =
        switch error {
        case .unknownVerb: reply(500, "5.5.2", "Command not recognized")
        case .syntax(let usage): reply(501, "5.5.4", usage)
        case .unsupportedParameter(let name): reply(555, "5.5.4", "Unsupported parameter \(printable(name))")
        case .badAddress(let problem): reply(553, "5.1.3", "Address refused: \(problem.description)")
        }
      refuse(text, into: &actions)
      return
    }
    switch command {
    case .hello(let isExtended, let domain):
      helo = Array(domain.prefix(255))
      extended = isExtended
      transaction = nil
      let name = configuration.hostName
      let greeting = "\(name) Hello \(String(decoding: domain.prefix(255), as: UTF8.self))"
      if isExtended {
        var lines = [greeting, "PIPELINING", "SIZE \(configuration.maximumMessageSize)", "8BITMIME", "ENHANCEDSTATUSCODES"]
        // STARTTLS only before TLS (RFC 3207 §4.2), AUTH only inside it (RFC 4954 §4, §14).
        if configuration.offersTLS && tls == nil { lines.append("STARTTLS") }
        if tls != nil && user == nil { lines.append("AUTH PLAIN LOGIN") }
        lines.append("HELP")
        actions.append(.send(multiline(250, lines)))
      } else {
        actions.append(.send(Array("250 \(greeting)\r\n".utf8)))
      }
      errors = 0
    case .mail(let sender, let parameters):
      guard helo != nil else { return refuse(reply(503, "5.5.1", "Send EHLO or HELO first"), into: &actions) }
      guard transaction == nil else { return refuse(reply(503, "5.5.1", "Nested MAIL command"), into: &actions) }
      // RFC 6409 §4.3: submission takes messages from authenticated clients only.
      if configuration.submission && user == nil {
        return refuse(reply(530, "5.7.0", "Authentication required"), into: &actions)
      }
      if let size = parameters.size, size > configuration.maximumMessageSize {
        return refuse(reply(552, "5.3.4", "Message size exceeds fixed limit"), into: &actions)
      }
      transaction = Transaction(sender: sender, parameters: parameters)
      actions.append(.send(reply(250, "2.1.0", "Ok")))
    case .recipient(let recipient):
      guard var current = transaction else {
        return refuse(reply(503, "5.5.1", "Need MAIL command first"), into: &actions)
      }
      guard current.recipients.count < configuration.maximumRecipients else {
        return actions.append(.send(reply(452, "4.5.3", "Too many recipients")))
      }
      if !configuration.clientMayRelay, user == nil, let domain = SMTPAddress.domain(of: recipient),
        !SMTPAddress.domain(domain, isIn: configuration.relayDomains)
      {
        actions.append(.deniedRelay(sender: current.sender, recipient: recipient))
        return refuse(
          reply(550, "5.7.1", "Relay access denied for <\(String(decoding: recipient, as: UTF8.self))>"),
          into: &actions)
      }
      if !current.recipients.contains(recipient) { current.recipients.append(recipient) }
      transaction = current
      actions.append(.send(reply(250, "2.1.5", "Ok")))
    case .data:
      guard let current = transaction else {
        return refuse(reply(503, "5.5.1", "Need MAIL command first"), into: &actions)
      }
      guard !current.recipients.isEmpty else {
        return refuse(reply(554, "5.5.1", "No valid recipients"), into: &actions)
      }
      actions.append(.startMessage(currentEnvelope()))
      actions.append(.send(Array("354 End data with <CR><LF>.<CR><LF>\r\n".utf8)))
      body = BodyDecoder(strictEnd: endedWithCRLF)
      phase = .data
    case .reset:
      transaction = nil
      actions.append(.send(reply(250, "2.0.0", "Ok")))
    case .noop:
      actions.append(.send(reply(250, "2.0.0", "Ok")))
    case .verify:
      actions.append(.send(reply(252, "2.0.0", "Cannot VRFY user; send mail and it will be attempted")))
    case .help:
      actions.append(.send(reply(214, "2.0.0", "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT")))
    case .quit:
      phase = .closed
      actions.append(.send(reply(221, "2.0.0", "\(configuration.hostName) closing connection")))
      actions.append(.close)
    case .startTLS:
      startTLS(into: &actions)
    case .auth(let mechanism, let initialResponse):
      startAuthentication(mechanism, initialResponse, into: &actions)
    case .notImplemented(let verb):
      refuse(reply(502, "5.5.1", "\(String(decoding: verb, as: UTF8.self)) not implemented"), into: &actions)
    }
  }

  /// Sends a refusal and counts it; too many end the session.
  mutating func refuse(_ text: [UInt8], into actions: inout [SMTPAction]) {
    actions.append(.send(text))
    errors += 1
    if errors >= SMTPSession.maximumErrors {
      phase = .closed
      actions.append(.send(reply(421, "4.7.0", "\(configuration.hostName) Error: too many errors")))
      actions.append(.close)
    }
  }

  func currentEnvelope() -> SMTPEnvelope {
    SMTPEnvelope(
      helo: helo ?? [], extended: extended, sender: transaction?.sender ?? [],
      recipients: transaction?.recipients ?? [], eightBit: transaction?.parameters.eightBit ?? false, tls: tls,
      user: user)
  }

  func reply(_ code: Int, _ status: String, _ text: String) -> [UInt8] {
    Array((extended ? "\(code) \(status) \(text)\r\n" : "\(code) \(text)\r\n").utf8)
  }

  private func multiline(_ code: Int, _ lines: [String]) -> [UInt8] {
    var text = ""
    for (index, line) in lines.enumerated() {
      text += "\(code)\(index == lines.count - 1 ? " " : "-")\(line)\r\n"
    }
    return Array(text.utf8)
  }

  /// Client text echoed in a reply: printable ASCII only.
  private func printable(_ text: String) -> String {
    String(decoding: text.utf8.prefix(64).filter(ASCII.isVisible), as: UTF8.self)
  }
}
