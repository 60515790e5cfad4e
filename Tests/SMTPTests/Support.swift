import SMTP
import TestSupport

/// What a session did, in a form that does not depend on how the input was cut: one entry
/// per reply line, and each message whole with its body.
enum Event: Equatable, CustomStringConvertible {
  case reply(String)
  case message(sender: String, recipients: [String], body: String)
  case refused(String)
  case close
  case denied(String)
  case startTLS(discarded: Int)
  case authenticate(SMTPCredentials)

  var description: String {
    switch self {
    case .reply(let line): "reply(\(line))"
    case .message(let sender, let recipients, let body): "message(\(sender) -> \(recipients): \(body.debugDescription))"
    case .refused(let reason): "refused(\(reason))"
    case .close: "close"
    case .denied(let recipient): "denied(\(recipient))"
    case .startTLS(let discarded): "startTLS(discarded: \(discarded))"
    case .authenticate(let credentials): "authenticate(\(credentials))"
    }
  }
}

/// Drives an `SMTPSession` as the daemon does: body bytes are collected into a message, and
/// every `.deliver` is answered at once with `outcome`.
struct SessionDriver: StreamDecoder {
  var session: SMTPSession
  var outcome: SMTPDelivery = .queued(id: "ID")
  var body: [UInt8] = []
  var started = false
  /// How each `.authenticate` is answered.
  var authentication: (SMTPCredentials) -> SMTPAuthentication = { _ in .rejected }

  init(_ configuration: SMTPConfiguration = SMTPConfiguration(hostName: "relay.test"), outcome: SMTPDelivery = .queued(id: "ID")) {
    session = SMTPSession(configuration: configuration)
    self.outcome = outcome
  }

  mutating func feed(_ bytes: ArraySlice<UInt8>) -> [Event] {
    run(session.feed(bytes))
  }

  mutating func feed(_ text: String) -> [Event] { feed(Array(text.utf8)[...]) }

  mutating func run(_ actions: [SMTPAction]) -> [Event] {
    var events: [Event] = []
    var queue = actions
    var index = 0
    while index < queue.count {
      switch queue[index] {
      case .send(let bytes):
        precondition(bytes.suffix(2) == [13, 10], "a reply must end in CRLF: \(bytes)")
        let text = String(decoding: bytes.dropLast(2), as: UTF8.self)
        for line in text.components(separatedBy: "\r\n") { events.append(.reply(line)) }
      case .startMessage:
        precondition(!started, "a message started twice")
        started = true
        body = []
      case .appendBody(let bytes):
        precondition(started, "body bytes outside a message")
        body += bytes
      case .deliver(let envelope, let size):
        precondition(size == body.count, "size \(size) for \(body.count) bytes")
        events.append(
          .message(
            sender: String(decoding: envelope.sender, as: UTF8.self),
            recipients: envelope.recipients.map { String(decoding: $0, as: UTF8.self) },
            body: String(decoding: body, as: UTF8.self)))
        started = false
        queue += session.delivered(outcome)
      case .discardMessage(_, let reason):
        started = false
        events.append(.refused(reason))
      case .close:
        events.append(.close)
      case .deniedRelay(_, let recipient):
        events.append(.denied(String(decoding: recipient, as: UTF8.self)))
      case .startTLS(let discarded):
        events.append(.startTLS(discarded: discarded))
      case .authenticate(let credentials):
        events.append(.authenticate(credentials))
        queue += session.authenticated(authentication(credentials))
      }
      index += 1
    }
    return events
  }

  /// The replies' codes only.
  static func codes(_ events: [Event]) -> [String] {
    events.compactMap {
      guard case .reply(let line) = $0 else { return nil }
      return String(line.prefix(3))
    }
  }
}

extension String {
  var crlf: String { replacingOccurrences(of: "\n", with: "\r\n") }
}
