/// The TLS a connection runs over, as the Received header names it.
public struct SMTPTLS: Equatable, Sendable {
  /// "TLSv1.3"
  public var version: String
  /// "TLS_AES_128_GCM_SHA256"
  public var cipher: String

  public init(version: String, cipher: String) {
    self.version = version
    self.cipher = cipher
  }
}

/// STARTTLS (RFC 3207): the 220 go-ahead, then the session waits for the runtime's handshake
/// and starts over inside TLS.
extension SMTPSession {
  mutating func startTLS(into actions: inout [SMTPAction]) {
    guard configuration.offersTLS else {
      return refuse(reply(502, "5.5.1", "STARTTLS not implemented"), into: &actions)
    }
    guard tls == nil else { return refuse(reply(503, "5.5.1", "TLS already active"), into: &actions) }
    actions.append(.send(reply(220, "2.0.0", "Ready to start TLS")))
    phase = .startingTLS
  }

  /// The handshake is done (after STARTTLS, or before the greeting for implicit TLS, RFC 8314):
  /// everything the client said before is forgotten (RFC 3207 §4.2), so it must EHLO again.
  public mutating func startedTLS(_ session: SMTPTLS) {
    tls = session
    helo = nil
    extended = false
    transaction = nil
    user = nil
    exchange = nil
    line.removeAll()
    lineTooLong = false
    held.removeAll()
    phase = .command
  }
}
