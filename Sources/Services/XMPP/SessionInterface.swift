#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// What an in.jabberd session is told (events) and what it asks its runtime to do (actions).
/// The session itself (Session.swift) touches no descriptor: the daemon reads the client and
/// the mesh, hands each happening to `Session.handle`, and carries out the actions in order.

/// Identifies a mesh connection (the daemon's PeerMesh.Peer, the connection's fd) while it lives.
public typealias SessionPeer = Int32

public enum SessionEvent: Equatable, Sendable {
  /// What the stream parser made of the client's bytes.
  case client(XMLStreamEvent)
  /// The client's bytes broke the stream rules (not well formed, a DTD, too big, ...).
  case clientError(XMLStreamError)
  /// The client closed its side of the TCP connection.
  case clientEnded
  /// The client sent nothing for the idle time.
  case idle
  /// A mesh connection opened (either side connected).
  case peerJoined(SessionPeer)
  /// After `.joinMesh`: every process that was in the mesh then is reported joined (or there
  /// was none, or no mesh could be joined).
  case meshJoined
  case peerMessage(SessionPeer, [UInt8])
  /// A mesh connection closed: the other process logged out or died.
  case peerLeft(SessionPeer)
  /// The time a `.pause` asked for has come: the held login attempt is taken up.
  case resume
  /// The connection is under TLS: after `.startTLS` (the client opens a new stream), or before
  /// any byte with direct TLS (XEP-0368).
  case tlsStarted(SessionTLS)
}

public enum SessionAction: Equatable, Sendable {
  /// Bytes for the client.
  case write(String)
  /// After SASL success: the parser expects a new stream header (written before this action).
  case restartParser
  /// The session is bound to a full JID: listen on the mesh and connect to every live peer.
  case joinMesh
  case meshSend(SessionPeer, [UInt8])
  case meshBroadcast([UInt8])
  /// Offline messages up to this id reached the client (the writes before this action
  /// succeeded): they may go.
  case deleteOfflineMessages(user: String, upTo: Int64)
  /// A message to archive (XEP-0313), after the writes and sends before it: delivery does not
  /// wait for the store.
  case archive(SessionArchiveEntry)
  /// A room's message to keep in its history: after the writes and mesh sends before it.
  case storeRoomMessage(SessionRoomMessage)
  case log(SessionLogLine)
  /// A login attempt from an address that failed before waits (the back-off): read nothing
  /// from the client until this Unix time (ms), then send `.resume`. The writes before it go
  /// out first; a client that hangs up meanwhile ends the process.
  case pause(until: Int64)
  /// Close the connection (after the writes before it) and end the process.
  case close
  /// STARTTLS (RFC 6120 §5): after the writes before it (`<proceed/>`), the connection goes to
  /// TLS. Whatever the client sent after `<starttls/>` is discarded, unparsed, and the stream
  /// parser starts afresh; then `.tlsStarted`, or the end of the process if the handshake failed.
  case startTLS
}

/// The TLS layer under the stream, as the session needs it: the channel binding data
/// (the daemon's TLSSession, docs/design.md "TLS").
public struct SessionTLS: Equatable, Sendable {
  /// "TLSv1.3" or "TLSv1.2".
  public var version: String
  /// RFC 9266 tls-exporter; empty before TLS 1.3.
  public var exporter: [UInt8]
  /// RFC 5929 tls-server-end-point; empty when unknown.
  public var endPoint: [UInt8]

  public init(version: String, exporter: [UInt8], endPoint: [UInt8]) {
    self.version = version
    self.exporter = exporter
    self.endPoint = endPoint
  }

  /// The channel binding types this connection has (XEP-0440), preferred first.
  public var channelBindingTypes: [String] {
    (exporter.isEmpty ? [] : ["tls-exporter"]) + (endPoint.isEmpty ? [] : ["tls-server-end-point"])
  }

  func channelBinding(plus: Bool) -> SCRAMChannelBinding {
    let types = channelBindingTypes
    return SCRAMChannelBinding(
      required: plus, offered: !types.isEmpty, types: types,
      values: types.map { $0 == "tls-exporter" ? exporter : endPoint })
  }
}

public struct SessionLogLine: Equatable, Sendable {
  public enum Level: Equatable, Sendable {
    /// LOGIN / LOGOUT (syslog facility auth, notice).
    case authNotice
    /// DENIED (syslog facility auth, err).
    case authError
    case warning, info, debug
  }
  public var level: Level
  public var message: String
  public init(_ level: Level, _ message: String) {
    self.level = level
    self.message = message
  }
}

/// An account as the session checks it: the stored SCRAM credentials, and the password itself
/// only where it is kept (a legacy account; drop-in mode's user file, whose accounts have no
/// stored credentials and get them derived at each login).
public struct SessionAccount: Equatable, Sendable {
  /// As stored (the JID's local part is its ASCII lower case).
  public var name: String
  public var sha1: SCRAMKeys?
  public var sha256: SCRAMKeys?
  /// Needed by the XEP-0078 digest only; nil for an account kept hashed only.
  public var password: String?

  /// An account known by its password (drop-in mode, the tests).
  public init(name: String, password: String) {
    self.name = name
    self.password = password
  }

  public init(name: String, sha1: SCRAMKeys, sha256: SCRAMKeys, password: String?) {
    self.name = name
    self.sha1 = sha1
    self.sha256 = sha256
    self.password = password
  }

  func keys(_ hash: SCRAMHash) -> SCRAMKeys? {
    switch hash {
    case .sha1: sha1
    case .sha256: sha256
    }
  }

  /// A password sent in the clear: derived with the stored SHA-256 salt and iterations and
  /// StoredKey compared (the same work for a decoy), or compared with the one kept.
  func matches(_ given: String) -> Bool {
    if let sha256 { return sha256.matches(given, hash: .sha256) }
    guard let password else { return false }
    return ConstantTime.equals(given, password)
  }
}

public struct SessionOfflineMessage: Equatable, Sendable {
  public var id: Int64
  /// The stanza as stored: a `<message>` with `from` and `to`.
  public var stanza: String
  /// Unix time it was stored.
  public var stored: Int64
  public init(id: Int64, stanza: String, stored: Int64) {
    self.id = id
    self.stanza = stanza
    self.stored = stored
  }
}

public enum SessionStoreOutcome: Equatable, Sendable {
  case done
  /// A limit is reached (the recipient's offline queue is full): resource-constraint.
  case full
  /// The store cannot take it (no store in drop-in mode, a failed write): service-unavailable.
  case unavailable
}

/// The user list and the queued data, answered synchronously: in the daemon the store (or the
/// drop-in user file), in the tests a dictionary. Names are matched without regard to ASCII case.
/// PEP, private XML and the capabilities cache: SessionPubSubBackend (XEP0163PEP.swift);
/// rooms: SessionRoomBackend (XEP0045Occupants.swift); uploads: SessionUploadBackend (XEP0363Upload.swift);
/// blocking: SessionBlockingBackend (XEP0191Blocking.swift).
public protocol SessionBackend: SessionPubSubBackend, SessionRoomBackend, SessionUploadBackend, SessionBlockingBackend {
  func account(named name: String) -> SessionAccount?
  /// Every user's name.
  func userNames() -> [String]
  func vCard(of user: String) -> String?
  mutating func setVCard(_ vCard: String, of user: String) -> SessionStoreOutcome
  mutating func storeOfflineMessage(_ stanza: String, to user: String, at time: Int64) -> SessionStoreOutcome
  func offlineMessages(for user: String) -> [SessionOfflineMessage]
  /// The client's address, for the DENIED log line; nil when unknown.
  var clientAddress: String? { get }
  /// The secret unknown users' decoy salts are derived from, so repeated probes of a name see
  /// the same salt; nil: random salts (when real accounts' salts are random too).
  func decoySecret() -> [UInt8]?
  /// How long (ms) a login attempt from this client must wait at `now` (the back-off).
  func loginDelay(now: Int64) -> Int64
  mutating func loginFailed(now: Int64)
  mutating func loginSucceeded(now: Int64)

  // XEP-0198 resumable streams (Store+JabberStreams.swift): none without a store.
  mutating func createStream(_ stream: SessionStream) -> Bool
  func stream(id: String) -> SessionStream?
  /// Queues stanzas (stream id, stanza, keep as an offline message if never acknowledged) in
  /// one transaction: each row's id, nil where the stream is gone or full.
  mutating func enqueue(_ entries: [(stream: String, stanza: String, offline: Bool)]) -> [Int64?]
  func queued(in stream: String, after id: Int64) -> [SessionQueued]
  mutating func acknowledge(stream: String, h: UInt32, upTo id: Int64)
  mutating func setHandled(stream: String, handled: UInt32)
  mutating func setState(stream: String, state: String)
  mutating func resume(stream: String, user: String, h: UInt32, now: Int64) -> SessionResumption
  /// The stream ends for good; its unacknowledged messages become offline messages.
  mutating func endStream(_ id: String, now: Int64)
  /// Ends the user's streams attached before `before` that no live session holds; how many
  /// messages became offline messages.
  mutating func sweepStreams(user: String, attachedBefore before: Int64, keeping live: [String], now: Int64) -> Int

  /// The message archive (XEP0313Backend.swift).
  mutating func openArchive(of user: String, now: Int64) -> Bool
  mutating func archive(_ entry: SessionArchiveEntry)
  func archive(_ query: SessionArchiveQuery, now: Int64) -> SessionArchiveAnswer
  func archiveDefault(of user: String) -> SessionArchiveDefault?
  mutating func setArchiveDefault(_ mode: SessionArchiveDefault, of user: String) -> SessionStoreOutcome
}

/// A resumable stream as the store keeps it.
public struct SessionStream: Equatable, Sendable {
  public var id: String
  public var user: String
  public var resource: String
  public var attached: Int64
  public var acked: UInt32
  public var handled: UInt32
  public var state: String
  public init(id: String, user: String, resource: String, attached: Int64, acked: UInt32 = 0, handled: UInt32 = 0, state: String) {
    self.id = id
    self.user = user
    self.resource = resource
    self.attached = attached
    self.acked = acked
    self.handled = handled
    self.state = state
  }
}

public enum SessionResumption: Equatable, Sendable {
  case resumed(SessionStream, queue: [SessionQueued])
  case notFound
  case countTooHigh(sent: UInt32)
}

public struct SessionQueued: Equatable, Sendable {
  public var id: Int64
  public var stanza: String
  public init(id: Int64, stanza: String) {
    self.id = id
    self.stanza = stanza
  }
}

/// No address, no decoy secret, no back-off: a backend without a store to keep them in.
extension SessionBackend {
  public var clientAddress: String? { nil }
  public func decoySecret() -> [UInt8]? { nil }
  public func loginDelay(now: Int64) -> Int64 { 0 }
  public mutating func loginFailed(now: Int64) {}
  public mutating func loginSucceeded(now: Int64) {}
  public mutating func createStream(_ stream: SessionStream) -> Bool { false }
  public func stream(id: String) -> SessionStream? { nil }
  public mutating func enqueue(_ entries: [(stream: String, stanza: String, offline: Bool)]) -> [Int64?] {
    entries.map { _ in nil }
  }
  public func queued(in stream: String, after id: Int64) -> [SessionQueued] { [] }
  public mutating func acknowledge(stream: String, h: UInt32, upTo id: Int64) {}
  public mutating func setHandled(stream: String, handled: UInt32) {}
  public mutating func setState(stream: String, state: String) {}
  public mutating func resume(stream: String, user: String, h: UInt32, now: Int64) -> SessionResumption { .notFound }
  public mutating func endStream(_ id: String, now: Int64) {}
  public mutating func sweepStreams(user: String, attachedBefore before: Int64, keeping live: [String], now: Int64) -> Int { 0 }
}

public struct SessionConfiguration: Sendable {
  /// The domain served; nil serves the one the client names in its stream header (as the original).
  public var domain: String?
  /// The domain when none is configured and the client names none.
  public var fallbackDomain: String
  /// Answer every stream as the original did: no version, no features, jabber:iq:auth only
  /// (for old clients that stumble over SASL).
  public var legacyOnly: Bool
  /// A certificate is installed: the stream offers STARTTLS, and needs it before any login
  /// unless `allowPlaintext`.
  public var tlsAvailable: Bool
  /// Logins without TLS although it is available (unsafe: passwords cross the LAN readable).
  public var allowPlaintext: Bool
  /// Failed authentications before the stream is closed.
  public var maximumAuthenticationFailures: Int
  /// PBKDF2 rounds for SCRAM (RFC 7677 asks for at least 4096).
  public var scramIterations: Int
  /// Answered to jabber:iq:version.
  public var softwareName: String
  public var softwareVersion: String

  public init(
    domain: String? = nil, fallbackDomain: String = "localhost", legacyOnly: Bool = false,
    tlsAvailable: Bool = false, allowPlaintext: Bool = false, maximumAuthenticationFailures: Int = 3,
    scramIterations: Int = 4096, softwareName: String = "slug in.jabberd", softwareVersion: String = "1.0"
  ) {
    self.domain = domain
    self.fallbackDomain = fallbackDomain
    self.legacyOnly = legacyOnly
    self.tlsAvailable = tlsAvailable
    self.allowPlaintext = allowPlaintext
    self.maximumAuthenticationFailures = maximumAuthenticationFailures
    self.scramIterations = scramIterations
    self.softwareName = softwareName
    self.softwareVersion = softwareVersion
  }
}
