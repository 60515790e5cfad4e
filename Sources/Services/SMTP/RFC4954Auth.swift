#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Text
#endif

/// What AUTH collected: SASL PLAIN's three fields (RFC 4616), or LOGIN's two (the
/// authorization identity then empty).
public struct SMTPCredentials: Equatable, Sendable {
  public var authorizationID: String
  public var user: String
  public var password: String

  public init(authorizationID: String = "", user: String, password: String) {
    self.authorizationID = authorizationID
    self.user = user
    self.password = password
  }

  /// `[authzid] NUL authcid NUL passwd`, UTF-8, each at most 1024 bytes; nil when malformed.
  public static func plain(_ message: [UInt8]) -> SMTPCredentials? {
    let fields = message.split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
    guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty, fields.allSatisfy({ $0.count <= 1024 }),
      let authorizationID = String(validating: fields[0], as: UTF8.self),
      let user = String(validating: fields[1], as: UTF8.self),
      let password = String(validating: fields[2], as: UTF8.self)
    else { return nil }
    return SMTPCredentials(authorizationID: authorizationID, user: user, password: password)
  }
}

/// How the runtime judged the credentials of `.authenticate`.
public enum SMTPAuthentication: Equatable, Sendable {
  /// The account's name as stored.
  case accepted(user: String)
  case rejected
  /// The accounts cannot be read now (the store is missing or broken).
  case unavailable
}

/// Where an AUTH exchange is (RFC 4954 §4): which line the client sends next.
enum AuthExchange: Sendable {
  case plain
  case loginUser
  case loginPassword(user: String)
}

/// AUTH PLAIN and LOGIN (RFC 4954), inside TLS only: outside it the password would cross the
/// LAN in the clear, so AUTH is neither offered nor accepted (538, §4 and RFC 3207 §4.2).
extension SMTPSession {
  mutating func startAuthentication(_ mechanism: String, _ initial: [UInt8]?, into actions: inout [SMTPAction]) {
    guard tls != nil else {
      return refuse(reply(538, "5.7.11", "Encryption required for requested authentication mechanism"), into: &actions)
    }
    guard helo != nil, extended else { return refuse(reply(503, "5.5.1", "Send EHLO first"), into: &actions) }
    guard user == nil else { return refuse(reply(503, "5.5.1", "Already authenticated"), into: &actions) }
    guard transaction == nil else {
      return refuse(reply(503, "5.5.1", "AUTH not permitted during a mail transaction"), into: &actions)
    }
    switch mechanism {
    case "PLAIN":
      exchange = .plain
      if let initial { return continueAuthentication(initial, into: &actions) }
      actions.append(.send(Array("334 \r\n".utf8)))
    case "LOGIN":
      exchange = .loginUser
      if let initial { return continueAuthentication(initial, into: &actions) }
      actions.append(.send(Array("334 \(Base64.encode(Array("Username:".utf8)))\r\n".utf8)))
    default:
      refuse(reply(504, "5.5.4", "Unrecognized authentication type"), into: &actions)
    }
  }

  /// One line of the exchange: Base64, or `*` to cancel (§4).
  mutating func continueAuthentication(_ line: [UInt8], into actions: inout [SMTPAction]) {
    guard let step = exchange else { return }
    exchange = nil
    if line == [UInt8(ascii: "*")] {
      return refuse(reply(501, "5.0.0", "Authentication cancelled"), into: &actions)
    }
    let text = String(decoding: line, as: UTF8.self)
    guard let message = text == "=" ? [] : Base64.decode(text) else {
      return refuse(reply(501, "5.5.2", "Cannot decode response"), into: &actions)
    }
    switch step {
    case .plain:
      guard let credentials = SMTPCredentials.plain(message) else {
        return refuse(reply(501, "5.5.2", "Malformed PLAIN response"), into: &actions)
      }
      phase = .authenticating
      actions.append(.authenticate(credentials))
    case .loginUser:
      guard !message.isEmpty, message.count <= 1024, !message.contains(0),
        let name = String(validating: message, as: UTF8.self)
      else { return refuse(reply(501, "5.5.2", "Malformed user name"), into: &actions) }
      exchange = .loginPassword(user: name)
      actions.append(.send(Array("334 \(Base64.encode(Array("Password:".utf8)))\r\n".utf8)))
    case .loginPassword(let name):
      guard !message.isEmpty, message.count <= 1024, !message.contains(0),
        let password = String(validating: message, as: UTF8.self)
      else { return refuse(reply(501, "5.5.2", "Malformed password"), into: &actions) }
      phase = .authenticating
      actions.append(.authenticate(SMTPCredentials(user: name, password: password)))
    }
  }

  /// The outcome of the last `.authenticate`, then whatever the held input brings.
  public mutating func authenticated(_ outcome: SMTPAuthentication) -> [SMTPAction] {
    guard phase == .authenticating else { return [] }
    phase = .command
    var actions: [SMTPAction] = []
    switch outcome {
    case .accepted(let name):
      user = name
      actions.append(.send(reply(235, "2.7.0", "Authentication successful")))
    case .rejected:
      authenticationFailures += 1
      guard authenticationFailures < configuration.maximumAuthenticationFailures else {
        phase = .closed
        actions.append(.send(reply(535, "5.7.8", "Authentication credentials invalid")))
        actions.append(.send(reply(421, "4.7.0", "\(configuration.hostName) Error: too many failed authentications")))
        actions.append(.close)
        return actions
      }
      refuse(reply(535, "5.7.8", "Authentication credentials invalid"), into: &actions)
    case .unavailable:
      actions.append(.send(reply(454, "4.7.0", "Temporary authentication failure")))
    }
    let input = held
    held = []
    consume(input[...], into: &actions)
    return actions
  }
}
