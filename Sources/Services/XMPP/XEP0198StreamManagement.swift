#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0198 stream management: acknowledgements both ways and resumption on a new connection.
///
/// A resumed stream arrives on a new connection, so in a new process, and the old process may
/// have been killed: nothing a resumption needs may live only in a process. So a resumable
/// stream's stanzas for the client go through the store (Store+JabberStreams.swift): whoever has
/// one for the client inserts it into the stream's queue and then tells the owner over the mesh
/// (`queued`); the owner writes the queue's new rows in id order and deletes them when the client
/// acknowledges them. The order written is the queue's order, so the client's count says which
/// rows it has, whatever happened to the process that wrote them. Stanzas the owner makes
/// itself (answers, echoes) go through the queue the same way. A stream without resumption
/// counts in memory only.
struct StreamManagement {
  /// The resumable stream's id in the store; nil when the client did not ask for resumption.
  var id: String?
  /// Stanzas written to the client, its last acknowledged count, and the client's stanzas
  /// handled (all mod 2^32, as the XEP counts).
  var sent: UInt32 = 0
  var acked: UInt32 = 0
  var handled: UInt32 = 0
  /// Written and not acknowledged, in order.
  var unacked: [Unacked] = []
  /// The last queue row written.
  var lastRow: Int64 = 0
  /// An `<r/>` is out and not answered.
  var requested = false
  /// The state last saved for a resumption (to write it only when it changed).
  var savedState = ""

  enum Unacked {
    case row(Int64)
    /// A stream without resumption: the stanza, and whether it is a message to keep offline.
    case stanza(String, offline: Bool)
  }

  /// Unacknowledged stanzas kept in memory without resumption (a resumable stream's queue has
  /// the store's limit, Store.maximumQueuedStanzas).
  static let maximumUnacked = 1000
}

extension Session {
  /// The most a client may be away before its stream is ended (s), as `max` tells it. The
  /// stream waits in the store until the user's next fresh login sweeps it or it is resumed.
  static var resumptionSeconds: Int { 600 }

  /// `<enable/>` or `<resume/>` before binding.
  mutating func streamManagementBeforeBind(_ element: XMLElement) {
    switch element.name {
    case "resume": resume(element)
    case "enable": writeRaw(Session.failed("unexpected-request"))
    default: streamError("unsupported-stanza-type")
    }
  }

  /// `<enable/>`, `<r/>` and `<a/>` of a bound stream.
  mutating func streamManagementElement(_ element: XMLElement) {
    switch element.name {
    case "enable": enableStreamManagement(element)
    case "r":
      guard let streamManagement else { return writeRaw(Session.failed("unexpected-request")) }
      writeRaw("<a xmlns='" + StanzaNamespace.streamManagement + "' h='\(streamManagement.handled)'/>")
    case "a": acknowledged(element)
    case "resume": writeRaw(Session.failed("unexpected-request"))
    default: streamError("unsupported-stanza-type")
    }
  }

  static func failed(_ condition: String, h: UInt32? = nil) -> String {
    "<failed xmlns='" + StanzaNamespace.streamManagement + "'" + (h.map { " h='\($0)'" } ?? "") + "><" + condition
      + " xmlns='" + StanzaNamespace.stanzaErrors + "'/></failed>"
  }

  mutating func enableStreamManagement(_ element: XMLElement) {
    guard streamManagement == nil, let jid, let account else { return writeRaw(Session.failed("unexpected-request")) }
    let wantsResumption = element.attribute("resume") == "true" || element.attribute("resume") == "1"
    var enabled = StreamManagement()
    if wantsResumption {
      let id = Hex.lowercase(randomBytes(16))
      let state = resumptionState
      if backend.createStream(SessionStream(id: id, user: account.name, resource: jid.resource, attached: now, state: state)) {
        enabled.id = id
        enabled.savedState = state
      } else {
        log(.warning, "stream management without resumption for " + jid.description + ": the store cannot keep the stream")
      }
    }
    streamManagement = enabled
    if let id = enabled.id {
      writeRaw(
        "<enabled xmlns='" + StanzaNamespace.streamManagement + "' id='" + id + "' resume='true' max='\(Session.resumptionSeconds)'/>")
      actions.append(.meshBroadcast(SessionMeshMessage.state(meshState).bytes))
    } else {
      writeRaw("<enabled xmlns='" + StanzaNamespace.streamManagement + "'/>")
    }
  }

  /// `<a h/>`: the client has the first `h` stanzas (counting from the start).
  mutating func acknowledged(_ element: XMLElement) {
    guard var state = streamManagement else { return }
    guard let text = element.attribute("h"), let h = UInt32(text) else { return streamError("bad-format") }
    let count = Int(h &- state.acked)
    guard count <= state.unacked.count else {
      return streamError(
        "undefined-condition", text: "acknowledged more stanzas than were sent",
        inner: "<handled-count-too-high xmlns='" + StanzaNamespace.streamManagement + "' h='\(h)' send-count='\(state.sent)'/>")
    }
    let done = state.unacked.prefix(count)
    state.unacked.removeFirst(count)
    state.acked = h
    state.requested = false
    streamManagement = state
    if let id = state.id, count > 0, case .row(let last) = done.last! {
      backend.acknowledge(stream: id, h: h, upTo: last)
    }
  }

  /// A client stanza was handled: its count grows (and is kept, for a resumption's `h`).
  mutating func countHandled() {
    guard var state = streamManagement else { return }
    state.handled &+= 1
    streamManagement = state
    if let id = state.id { backend.setHandled(stream: id, handled: state.handled) }
    saveResumptionState()
  }

  /// After each event: unacknowledged stanzas ask the client for its count, once at a time.
  mutating func requestAcknowledgement() {
    guard var state = streamManagement, !state.requested, !state.unacked.isEmpty, !isClosed else { return }
    if case .bound = stage {
      state.requested = true
      streamManagement = state
      writeRaw("<r xmlns='" + StanzaNamespace.streamManagement + "'/>")
    }
  }

  /// A stanza for the client under stream management.
  mutating func deliver(_ text: String, offline: Bool) {
    guard var state = streamManagement else { return }
    guard let id = state.id else {
      guard state.unacked.count < StreamManagement.maximumUnacked else {
        // The client acknowledges nothing: the connection ends, and what it did not
        // acknowledge, this one too, is kept offline (endStreamManagement).
        state.unacked.append(.stanza(text, offline: offline))
        streamManagement = state
        return streamError("resource-constraint", text: "too many unacknowledged stanzas", ending: .lost)
      }
      actions.append(.write(text))
      state.sent &+= 1
      state.unacked.append(.stanza(text, offline: offline))
      streamManagement = state
      return
    }
    guard case .some(.some) = backend.enqueue([(stream: id, stanza: text, offline: offline)]).first else {
      // The client acknowledges nothing (the queue is full) or the store failed: this one is
      // kept offline if it is a message, the connection ends, the stream stays for the client
      // to resume.
      if offline, let jid { _ = backend.storeOfflineMessage(text, to: jid.local, at: now / 1000) }
      log(.warning, "stream of " + (jid?.description ?? "") + ": its queue takes no more")
      return streamError("resource-constraint", text: "too many unacknowledged stanzas", ending: .lost)
    }
    drainStream()
  }

  /// Writes what waits in the stream's queue after the last row written.
  mutating func drainStream() {
    guard var state = streamManagement, let id = state.id, case .bound = stage else { return }
    for row in backend.queued(in: id, after: state.lastRow) {
      state.lastRow = row.id
      noteBlockingPush(row.stanza)
      // Stopped (§3.5, without the error: the sender's process is not known here); the row
      // goes when a later one is acknowledged, or with the stream.
      if isFromBlocked(row.stanza) { continue }
      actions.append(.write(row.stanza))
      state.sent &+= 1
      state.unacked.append(.row(row.id))
    }
    streamManagement = state
  }

  /// The end of the session: a stream closed (or refused) ends for good, its unacknowledged
  /// messages kept as offline messages; a lost connection leaves a resumable stream waiting.
  mutating func endStreamManagement(_ ending: Ending) {
    guard let state = streamManagement, let jid else { return }
    if let id = state.id {
      if case .closed = ending { backend.endStream(id, now: now / 1000) }
      return
    }
    for case .stanza(let text, offline: true) in state.unacked {
      _ = backend.storeOfflineMessage(text, to: jid.local, at: now / 1000)
    }
  }

  // MARK: Resumption

  /// What a resumption restores: `PRIORITY FLAGS [ROOM...]` then the presence; flags p
  /// (receives presence), o (offline messages delivered), c (carbons), i (inactive); the
  /// rooms as the hello's seat words (XEP-0045).
  var resumptionState: String {
    let flags = (receivesPresence ? "p" : "") + (offlineDelivered ? "o" : "") + (carbons ? "c" : "") + (inactive ? "i" : "")
    return (presence == nil ? "-" : "\(priority)") + " " + flags + roomWords + "\n" + (presence ?? "")
  }

  mutating func restore(_ state: String) {
    let parts = state.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    let head = parts.first.map { $0.split(separator: " ", omittingEmptySubsequences: false) } ?? []
    let flags = head.count > 1 ? String(head[1]) : ""
    receivesPresence = flags.contains("p")
    offlineDelivered = flags.contains("o")
    carbons = flags.contains("c")
    inactive = flags.contains("i")
    restoreRooms(head.dropFirst(2))
    if let first = head.first, let value = Int(first), parts.count > 1, !parts[1].isEmpty {
      priority = value
      presence = String(parts[1])
    }
  }

  /// Keeps the state a resumption restores, when it changed.
  mutating func saveResumptionState() {
    guard var state = streamManagement, let id = state.id else { return }
    let current = resumptionState
    guard current != state.savedState else { return }
    state.savedState = current
    streamManagement = state
    backend.setState(stream: id, state: current)
  }

  /// `<resume previd h/>` after authentication: the stream is the user's, so the session takes
  /// its JID and joins the mesh; the takeover waits for the hellos (resumeIfReady).
  mutating func resume(_ element: XMLElement) {
    guard let account, let id = element.attribute("previd"), let text = element.attribute("h"), let h = UInt32(text) else {
      return writeRaw(Session.failed("bad-request"))
    }
    guard let stream = backend.stream(id: id), ASCII.lowercased(stream.user) == ASCII.lowercased(account.name) else {
      return writeRaw(Session.failed("item-not-found"))
    }
    restore(stream.state)
    jid = JID(local: account.name, domain: domain, resource: stream.resource)
    since = now
    token = Session.number(randomBytes(8))
    var state = StreamManagement(id: id)
    state.savedState = stream.state
    streamManagement = state
    resumeRequest = (id, h)
    stage = .resuming
    log(.authNotice, "LOGIN " + (jid?.description ?? "") + " (resuming its stream)")
    actions.append(.joinMesh)
  }

  /// The hellos are in and the stream's old process is gone: the stream is taken over.
  mutating func resumeIfReady() {
    guard case .resuming = stage, let request = resumeRequest, meshReady, peersWithoutHello.isEmpty, oldOwner == nil,
      let account
    else { return }
    resumeRequest = nil
    switch backend.resume(stream: request.id, user: account.name, h: request.h, now: now) {
    case .notFound:
      writeRaw(Session.failed("item-not-found"))
      streamError("not-authorized", text: "the stream ended meanwhile")
    case .countTooHigh(let sent):
      writeRaw(Session.failed("undefined-condition", h: sent))
      streamError(
        "undefined-condition", text: "acknowledged more stanzas than were sent",
        inner: "<handled-count-too-high xmlns='" + StanzaNamespace.streamManagement + "' h='\(request.h)' send-count='\(sent)'/>")
    case .resumed(let stream, let queue):
      guard var state = streamManagement else { return }
      state.acked = request.h
      state.sent = request.h
      state.handled = stream.handled
      streamManagement = state
      stage = .bound
      hellosComplete = true
      writeRaw(
        "<resumed xmlns='" + StanzaNamespace.streamManagement + "' previd='" + XMLEscape.attribute(request.id)
          + "' h='\(stream.handled)'/>")
      for row in queue {
        state.lastRow = row.id
        if isFromBlocked(row.stanza) { continue }  // XEP-0191 §3.5, as drainStream
        actions.append(.write(row.stanza))
        state.sent &+= 1
        state.unacked.append(.row(row.id))
      }
      streamManagement = state
      drainStream()
      actions.append(.meshBroadcast(SessionMeshMessage.state(meshState).bytes))
      // What no process wrote while the client was away: the others' presence as it is now
      // (if the old process died, they saw this session leave and come back), and messages
      // that went to the offline store meanwhile.
      if receivesPresence, !inactive {
        for peerState in peers.values.sorted(by: { $0.jid.description < $1.jid.description }) {
          if let presence = peerState.presence, let jid {
            write(StanzaText.stamped(presence, from: peerState.jid.description, to: jid.description))
          }
        }
      }
      if offlineDelivered { deliverOfflineMessages() }
    }
  }

  /// Our stream is being resumed by a new process: this one ends without a word to anyone (the
  /// new one is the same session; its client is gone from this connection).
  mutating func endForResumption() {
    log(.authNotice, "LOGOUT " + (jid?.description ?? "") + " (its stream resumed on a new connection)")
    stage = .closed
    actions.append(.close)
  }

  /// What the mesh peers are told of this session.
  var meshState: SessionMeshState {
    var resuming: String?
    if case .resuming = stage { resuming = resumeRequest?.id }
    return SessionMeshState(
      stream: streamManagement?.id, resuming: resuming, carbons: carbons, inactive: inactive, rooms: rooms.mapValues { $0.seat })
  }
}
