#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// What an `SMTPSession` is configured with, what it asks the runtime to do, and what the
/// runtime reports back.
public struct SMTPConfiguration: Sendable {
  /// Named in the greeting, replies and the Received header.
  public var hostName: String
  /// The body limit in bytes (as delivered: LF line ends), advertised as SIZE.
  public var maximumMessageSize: Int
  public var maximumRecipients: Int
  /// The client's address is in the relay networks: it may send to any domain.
  public var clientMayRelay: Bool
  /// Lower-case domains anyone may send to (with their subdomains).
  public var relayDomains: [[UInt8]]
  /// A certificate is configured: STARTTLS is offered before TLS.
  public var offersTLS: Bool
  /// Message submission (RFC 6409): MAIL only after AUTH.
  public var submission: Bool
  /// Failed AUTH attempts before the session ends with 421.
  public var maximumAuthenticationFailures: Int

  public init(
    hostName: String, maximumMessageSize: Int = 33_554_432, maximumRecipients: Int = 100,
    clientMayRelay: Bool = true, relayDomains: [String] = [], offersTLS: Bool = false, submission: Bool = false,
    maximumAuthenticationFailures: Int = 3
  ) {
    self.offersTLS = offersTLS
    self.submission = submission
    self.maximumAuthenticationFailures = maximumAuthenticationFailures
    self.hostName = hostName
    self.maximumMessageSize = maximumMessageSize
    self.maximumRecipients = maximumRecipients
    self.clientMayRelay = clientMayRelay
    self.relayDomains = relayDomains.map { $0.utf8.map(ASCII.lower) }
  }
}

/// A message's envelope as the transaction built it.
public struct SMTPEnvelope: Equatable, Sendable {
  public var helo: [UInt8]
  /// The session began with EHLO ("with ESMTP" in the Received header).
  public var extended: Bool
  /// Empty for the null sender.
  public var sender: [UInt8]
  public var recipients: [[UInt8]]
  public var eightBit: Bool
  /// The TLS the message came over, and the account that sent it (the Received header says).
  public var tls: SMTPTLS?
  public var user: String?

  public init(
    helo: [UInt8], extended: Bool, sender: [UInt8], recipients: [[UInt8]], eightBit: Bool, tls: SMTPTLS? = nil,
    user: String? = nil
  ) {
    self.tls = tls
    self.user = user
    self.helo = helo
    self.extended = extended
    self.sender = sender
    self.recipients = recipients
    self.eightBit = eightBit
  }
}

public enum SMTPAction: Equatable, Sendable {
  case send([UInt8])
  /// DATA was accepted: open a spool (the Received header goes first).
  case startMessage(SMTPEnvelope)
  /// Message bytes, dot-unstuffed, lines ending in LF.
  case appendBody([UInt8])
  /// The final dot arrived: hand the spool to sendmail, then call `delivered(_:)`.
  case deliver(SMTPEnvelope, size: Int)
  /// The message was refused at the final dot: drop the spool (and log why).
  case discardMessage(SMTPEnvelope, reason: String)
  /// A recipient was refused as a relay: log it (DENIED, with the client's address).
  case deniedRelay(sender: [UInt8], recipient: [UInt8])
  /// Send what is queued (the 220), then hand the connection to TLS and call `startedTLS(_:)`;
  /// `discarded` bytes the client sent behind STARTTLS were dropped (log them).
  case startTLS(discarded: Int)
  /// Check these credentials, then call `authenticated(_:)`.
  case authenticate(SMTPCredentials)
  /// Send what is queued, then close the connection.
  case close
}

public enum SMTPDelivery: Equatable, Sendable {
  case queued(id: String)
  case failed
}
