#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// One client connection of in.jabberd as a value: events in, actions out (SessionInterface.swift).
///
/// A stream goes: header → (SASL → restart → bind) or (legacy jabber:iq:auth) → bound, when the
/// daemon joins the mesh and every other process's session says hello. From then on stanzas
/// are routed to the mesh peers (one peer = one other session, one full JID), to the store for
/// offline users, or answered here. Authentication (SessionAuthentication.swift), stanza
/// routing (SessionRouting.swift), mesh peers and presence (SessionPeers.swift).
public struct Session<Backend: SessionBackend> {
  public var backend: Backend
  let configuration: SessionConfiguration
  let randomBytes: (Int) -> [UInt8]

  enum Stage {
    case awaitingStream
    case unauthenticated
    /// `<proceed/>` is written: the daemon does the TLS handshake, then `.tlsStarted`.
    case startingTLS
    case plainAwaitingResponse
    /// `account` is nil until the client-first message names the user.
    case scram(SCRAMServer, account: SessionAccount?, known: Bool)
    case awaitingRestart
    /// SASL done, the new stream header came: bind is next.
    case authenticated
    /// `<resume/>` came (XEP-0198): the session waits for its peers' hellos and for the old
    /// process of the stream to end, then takes the stream over and is `.bound`.
    case resuming
    case bound
    case closed
  }

  var stage = Stage.awaitingStream
  var headerSent = false
  public internal(set) var streamID = ""
  public internal(set) var domain = ""
  var version1 = false
  /// The TLS layer under the stream; nil while in the clear (SessionSecurity.swift).
  public internal(set) var tls: SessionTLS?
  var failures = 0
  /// SCRAM attempts refused for their channel binding flag alone (SessionSecurity.swift).
  var bindingRefusals = 0
  /// A login attempt waiting out the back-off (`.pause`), taken up at `.resume`.
  var heldAttempt: XMLElement?
  /// The account as stored (its name for logs and the roster); the JID's local part is its lower case.
  var account: SessionAccount?
  public internal(set) var jid: JID?
  /// Login time (ms) and a random token: which of two sessions of one full JID is older.
  var since: Int64 = 0
  var token: UInt64 = 0
  /// The client's current available presence (serialised, without from/to); nil when unavailable.
  var presence: String?
  var priority = 0
  /// The client sent initial presence: it receives the others' presence from then on.
  var receivesPresence = false
  var offlineDelivered = false
  /// Messages are archived (XEP-0313): a store keeps them (XEP0359StanzaID.swift).
  var archiving = false
  /// The roster's JID local parts as last sent; nil until the client asked for the roster.
  var rosterNames: [String]?
  var rosterPushes = 0
  var peers: [SessionPeer: SessionPeerState] = [:]
  /// Mesh connections whose hello has not come yet: a session that just logged in.
  var peersWithoutHello: Set<SessionPeer> = []
  /// The client's PEP interests and what it was sent (XEP0163PEP.swift).
  var pep = SessionPEPState()
  /// Messages for a user with no known session, held while a hello is outstanding: the new
  /// session may be theirs (routed again once the hellos are in).
  var heldMessages: [XMLElement] = []
  static var maximumHeldMessages: Int { 64 }
  /// `.meshJoined` came: every peer of the time is among `peers` or `peersWithoutHello`.
  var meshReady = false
  /// The hellos after login are all in (and the user's dead streams swept).
  var hellosComplete = false
  /// XEP-0198, once the client enabled it (XEP0198StreamManagement.swift).
  var streamManagement: StreamManagement?
  /// XEP-0198 `<resume/>`: the stream and the client's count, until the takeover.
  var resumeRequest: (id: String, h: UInt32)?
  /// The process that held the stream being resumed, until it ends.
  var oldOwner: SessionPeer?
  /// XEP-0280: the client wants copies of its other resources' messages.
  var carbons = false
  /// XEP-0352: the client is inactive; presence waits in `heldPresence` (latest per sender).
  var inactive = false
  var heldPresence: [(from: String, xml: String)] = []
  /// XEP-0045: the rooms the client is in, by name (XEP0045Rooms.swift).
  var rooms: [String: JoinedRoom] = [:]
  /// The user's block list (XEP-0191), nil until read.
  var blockList: Set<String>?
  var now: Int64 = 0
  var actions: [SessionAction] = []

  /// `randomBytes(n)` returns n random bytes (getrandom in the daemon).
  public init(configuration: SessionConfiguration, backend: Backend, randomBytes: @escaping (Int) -> [UInt8]) {
    self.configuration = configuration
    self.backend = backend
    self.randomBytes = randomBytes
  }

  public var isClosed: Bool {
    if case .closed = stage { return true }
    return false
  }

  /// True once the client has authenticated (the daemon gives an unauthenticated client less time).
  public var isAuthenticated: Bool { account != nil }

  /// `now`: Unix time in milliseconds.
  public mutating func handle(_ event: SessionEvent, now: Int64) -> [SessionAction] {
    self.now = now
    if isClosed { return [] }
    switch event {
    case .client(.streamOpen(let header)): streamOpened(header)
    case .client(.stanza(let stanza)): received(stanza)
    case .client(.streamClose):
      writeRaw("</stream:stream>")
      end()
    case .clientError(let error): streamError(error.condition, text: error.text)
    case .clientEnded: end(.lost)
    case .idle: streamError("connection-timeout", ending: .lost)
    case .peerJoined(let peer): peerJoined(peer)
    case .meshJoined:
      meshReady = true
      checkHellos()
    case .peerMessage(let peer, let bytes): peerMessage(peer, bytes)
    case .peerLeft(let peer): peerLeft(peer)
    case .resume: resumeHeldAttempt()
    case .tlsStarted(let layer): tlsStarted(layer)
    }
    requestAcknowledgement()
    defer { actions = [] }
    return actions
  }

  /// A stanza for the client (or, before binding, anything): through the stream's queue once
  /// XEP-0198 is on (XEP0198StreamManagement.swift).
  mutating func write(_ text: String) {
    switch stage {
    case .bound, .resuming:
      if streamManagement != nil { return deliver(text, offline: Session.keepsOffline(text)) }
    default: break
    }
    actions.append(.write(text))
  }

  /// Bytes for the client that are not a stanza (stream errors and ends, XEP-0198's own elements).
  mutating func writeRaw(_ text: String) { actions.append(.write(text)) }
  mutating func log(_ level: SessionLogLine.Level, _ message: String) {
    actions.append(.log(SessionLogLine(level, message)))
  }

  // MARK: The stream

  mutating func streamOpened(_ header: XMLElement) {
    let restarting: Bool
    switch stage {
    case .awaitingStream: restarting = false
    case .awaitingRestart: restarting = true
    default:
      streamError("bad-format")
      return
    }
    let named = header.attribute("to").map { ASCII.lowercased($0) }
    if let configured = configuration.domain {
      domain = configured
    } else if !restarting {
      domain = named ?? ASCII.lowercased(configuration.fallbackDomain)
    }
    version1 = !configuration.legacyOnly && Session.majorVersion(header.attribute("version")) >= 1
    streamID = Hex.lowercase(randomBytes(8))
    writeHeader()
    guard header.name == "stream", header.namespace == StanzaNamespace.stream else {
      streamError("invalid-namespace")
      return
    }
    if let named, named != domain || !Session.isDomain(named) {
      streamError("host-unknown")
      return
    }
    if restarting {
      stage = .authenticated
      write(
        "<stream:features><bind xmlns='" + StanzaNamespace.bind + "'/><session xmlns='"
          + StanzaNamespace.session + "'><optional/></session><sm xmlns='" + StanzaNamespace.streamManagement
          + "'/><csi xmlns='" + StanzaNamespace.clientState + "'/>" + Session.serverCapsFeature + "</stream:features>")
    } else {
      stage = .unauthenticated
      if version1 { write(loginFeatures()) }
    }
  }

  mutating func writeHeader() {
    if domain.isEmpty { domain = configuration.domain ?? ASCII.lowercased(configuration.fallbackDomain) }
    if streamID.isEmpty { streamID = Hex.lowercase(randomBytes(8)) }
    write(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + StanzaNamespace.stream + "'"
        + StanzaText.attribute("id", streamID) + StanzaText.attribute("from", domain)
        + (version1 ? " version='1.0'" : "") + " xml:lang='en'>")
    headerSent = true
  }

  static func isDomain(_ text: String) -> Bool {
    guard let jid = JID(text) else { return false }
    return jid.local.isEmpty && jid.isBare
  }

  /// The major number of a stream's version attribute; 0 when absent (a pre-1.0 stream).
  static func majorVersion(_ text: String?) -> Int {
    guard let text else { return 0 }
    let major = text.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
    return Int(major) ?? 0
  }

  /// RFC 6120 §4.9: the error, the stream's end, the connection's end.
  mutating func streamError(_ condition: String, text: String? = nil, ending: Ending = .closed, inner: String = "") {
    if !headerSent { writeHeader() }
    var element = "<stream:error><" + condition + " xmlns='" + StanzaNamespace.streamErrors + "'/>"
    if let text, !text.isEmpty {
      element += "<text xmlns='" + StanzaNamespace.streamErrors + "'>" + XMLEscape.text(text) + "</text>"
    }
    writeRaw(element + inner + "</stream:error></stream:stream>")
    if account == nil { log(.info, "stream error " + condition + (text.map { ": " + $0 } ?? "")) }
    end(ending)
  }

  enum Ending {
    /// The stream ended (the client closed it, or the server on an error): a resumable stream
    /// ends with it.
    case closed
    /// The connection was lost (hung up, timed out): a resumable stream waits for its client.
    case lost
  }

  /// Logout: the others learn we are gone (the mesh connections close with the process too,
  /// but an unavailable presence carries the client's last words, and is at once).
  mutating func end(_ ending: Ending = .closed) {
    if !heldMessages.isEmpty {
      // No more hellos will be waited for: held messages go to their users or the store now.
      peersWithoutHello = []
      let held = heldMessages
      heldMessages = []
      for message in held { routeMessage(message) }
    }
    if let jid, case .bound = stage {
      if presence != nil {
        presence = nil
        broadcastToPeers("<presence type='unavailable'/>", priority: nil)
      }
      endStreamManagement(ending)
      log(.authNotice, "LOGOUT " + jid.description)
    }
    stage = .closed
    actions.append(.close)
  }

  // MARK: Stanzas by stage

  mutating func received(_ stanza: XMLElement) {
    switch stage {
    case .awaitingStream, .awaitingRestart:
      streamError("not-authorized")
    case .unauthenticated:
      if stanza.name == "starttls", stanza.namespace == StanzaNamespace.tls { return startTLS() }
      if !mayLogIn, isAuthentication(stanza) { return refuseWithoutTLS(stanza) }
      if isLoginAttempt(stanza), heldByBackOff(stanza) { return }
      if stanza.namespace == StanzaNamespace.sasl, stanza.name == "auth", version1 {
        startSASL(stanza)
      } else if stanza.name == "iq", stanza.namespace == StanzaNamespace.client,
        let query = stanza.child("query", namespace: StanzaNamespace.legacyAuth)
      {
        legacyAuthentication(stanza, query: query)
      } else {
        streamError("not-authorized")
      }
    case .plainAwaitingResponse, .scram:
      continueSASL(stanza)
    case .startingTLS:
      // Sent after <starttls/>: the daemon discards it unread; never acted on here either.
      break
    case .authenticated:
      if stanza.namespace == StanzaNamespace.streamManagement {
        streamManagementBeforeBind(stanza)
      } else if stanza.name == "iq", stanza.namespace == StanzaNamespace.client,
        let bind = stanza.child("bind", namespace: StanzaNamespace.bind), stanza.attribute("type") == "set"
      {
        bindResource(stanza, bind: bind)
      } else {
        streamError("not-authorized")
      }
    case .resuming:
      // The client waits for <resumed/> before it sends anything more.
      streamError("unsupported-stanza-type", text: "nothing may come before <resumed/>")
    case .bound:
      switch stanza.namespace {
      case StanzaNamespace.client: break
      case StanzaNamespace.streamManagement: return streamManagementElement(stanza)
      case StanzaNamespace.clientState: return clientState(stanza)
      default:
        // Something this server does not do: left unanswered rather than the stream closed.
        log(
          .debug,
          "ignored a top-level <" + XMLEscape.text(stanza.name) + "> in " + XMLEscape.text(stanza.namespace) + " from "
            + (backend.clientAddress ?? "unknown"))
        return
      }
      switch stanza.name {
      case _ where refusedAsBlocked(stanza): break
      case "message": routeMessage(stanza)
      case "presence": routePresence(stanza)
      case "iq": routeIQ(stanza)
      default: return streamError("unsupported-stanza-type")
      }
      countHandled()
    case .closed:
      break
    }
  }

  /// Bytes as an unsigned number (the hello's token).
  static func number(_ bytes: [UInt8]) -> UInt64 {
    bytes.reduce(0) { $0 << 8 | UInt64($1) }
  }
}
