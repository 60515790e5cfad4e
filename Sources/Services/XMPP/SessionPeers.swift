#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The other sessions, as their hellos and presence changes describe them, and our presence.
public struct SessionPeerState: Equatable, Sendable {
  public var jid: JID
  public var since: Int64
  public var token: UInt64
  /// nil when not available.
  public var priority: Int?
  /// The available presence as sent, without from/to.
  public var presence: String?
  /// Its resumable stream, carbons and client state (SessionMeshState).
  public var mesh = SessionMeshState()
}

extension Session {
  var meshHello: SessionMeshMessage? {
    guard let jid else { return nil }
    return .hello(
      SessionMeshHello(
        user: jid.local, resource: jid.resource, since: since, token: token, priority: presence == nil ? nil : priority,
        state: meshState, presence: presence))
  }

  mutating func peerJoined(_ peer: SessionPeer) {
    guard let hello = meshHello else { return }
    peersWithoutHello.insert(peer)
    actions.append(.meshSend(peer, hello.bytes))
  }

  /// A connection said hello or went: once none is outstanding, held messages go again.
  mutating func heard(from peer: SessionPeer) {
    guard peersWithoutHello.remove(peer) != nil, peersWithoutHello.isEmpty else { return }
    if !heldMessages.isEmpty {
      let held = heldMessages
      heldMessages = []
      for message in held { routeMessage(message) }
    }
    checkHellos()
  }

  /// Every peer of the login's time said hello: a resumption takes its stream over; a fresh
  /// login ends the user's streams that no live session holds (their processes died and their
  /// clients did not resume them), their unacknowledged messages becoming offline messages.
  mutating func checkHellos() {
    guard meshReady, peersWithoutHello.isEmpty else { return }
    if case .resuming = stage { return resumeIfReady() }
    guard !hellosComplete, case .bound = stage, let jid else { return }
    hellosComplete = true
    let live = peers.values.compactMap { $0.jid.local == jid.local ? $0.mesh.stream : nil } + [streamManagement?.id].compactMap { $0 }
    let moved = backend.sweepStreams(user: jid.local, attachedBefore: since, keeping: live, now: now / 1000)
    if moved > 0, offlineDelivered { deliverOfflineMessages() }
  }

  mutating func peerMessage(_ peer: SessionPeer, _ bytes: [UInt8]) {
    guard let jid, let message = SessionMeshMessage(bytes) else { return }
    switch message {
    case .usersChanged:
      usersChanged()
      heard(from: peer)
    case .hello(let hello):
      let state = SessionPeerState(
        jid: JID(local: hello.user, domain: domain, resource: hello.resource), since: hello.since, token: hello.token,
        priority: hello.priority, presence: hello.presence, mesh: hello.state)
      if let resuming = hello.state.resuming, resuming == streamManagement?.id, state.jid == jid {
        return endForResumption()
      }
      if state.jid == jid, case .resuming = stage, let stream = hello.state.stream, stream == resumeRequest?.id {
        // The process that held the stream: the takeover waits for it to end.
        oldOwner = peer
        return heard(from: peer)
      }
      var replaced: SessionPeerState?
      if let resuming = hello.state.resuming {
        // A resumption takes over the peer that held the stream: that one ends without a word.
        for (other, otherState) in peers where otherState.mesh.stream == resuming {
          replaced = peers.removeValue(forKey: other)
        }
      }
      if state.jid == jid {
        // RFC 6120 §7.7.2.2: the newer session of a full JID wins; the older one is not a peer.
        if (since, token) < (hello.since, hello.token) {
          streamError("conflict", text: "replaced by a newer login of the same resource")
        } else {
          heard(from: peer)
        }
        return
      }
      peers[peer] = state
      hideFromBlocked(peer, state)
      if !rooms.isEmpty, replaced == nil { occupantArrived(state) }
      if let presence = hello.presence, receivesPresence, case .bound = stage, replaced?.presence != presence {
        presenceForClient(StanzaText.stamped(presence, from: state.jid.description, to: jid.description), from: state.jid)
      }
      heard(from: peer)
    case .presence(let priority, let queued, let xml):
      guard var state = peers[peer] else { return }
      let wasAvailable = state.presence != nil
      state.priority = priority
      state.presence = priority == nil ? nil : xml
      peers[peer] = state
      if let stream = streamManagement?.id, queued.contains(stream) { return drainStream() }
      if receivesPresence, priority != nil || wasAvailable {
        presenceForClient(StanzaText.stamped(xml, from: state.jid.description, to: jid.description), from: state.jid)
      }
    case .stanza(let xml):
      guard let state = peers[peer], !stoppedAsBlocked(xml, from: peer, state.jid) else { return }
      write(StanzaText.stamped(xml, from: state.jid.description, to: nil))
    case .complete(let xml):
      guard let state = peers[peer] else { return }
      if state.jid.local == jid.local { noteBlockingPush(xml) }
      write(xml)
    case .queued:
      drainStream()
    case .state(let meshState):
      let previous = peers[peer]?.mesh
      peers[peer]?.mesh = meshState.keepingRoomPresences(of: previous)
    case .pep(let owner, let node, let xml):
      peerPEP(peer, owner: owner, node: node, xml)
    case .room(let presence):
      occupantChanged(presence, in: peer)
    case .roomsChanged:
      roomsChanged()
    case .kick(let room, let nick):
      kicked(from: room, nick: nick)
      heard(from: peer)
    }
  }

  /// Another session's presence for our client: held while the client is inactive (XEP-0352,
  /// the latest of each sender), written otherwise.
  mutating func presenceForClient(_ xml: String, from sender: JID) {
    guard !isBlocked(sender) else { return }
    guard inactive else { return write(xml) }
    let from = sender.description
    heldPresence.removeAll { $0.from == from }
    heldPresence.append((from, xml))
  }

  /// Our presence (or unavailability) to every peer. A peer with a resumable stream that takes
  /// presence gets it in its queue first (XEP-0198), and the message says so.
  mutating func broadcastToPeers(_ xml: String, priority: Int?) {
    guard let jid else { return }
    var entries: [(stream: String, stanza: String, offline: Bool)] = []
    for state in peers.values where !isBlocked(state.jid) {
      guard let stream = state.mesh.stream, state.presence != nil, !state.mesh.inactive else { continue }
      entries.append((stream, StanzaText.stamped(xml, from: jid.description, to: state.jid.description), false))
    }
    var queued: [String] = []
    if !entries.isEmpty {
      for (entry, id) in zip(entries, backend.enqueue(entries)) where id != nil { queued.append(entry.stream) }
    }
    let bytes = SessionMeshMessage.presence(priority: priority, queued: queued, xml: xml).bytes
    guard peers.values.contains(where: { isBlocked($0.jid) }) else { return actions.append(.meshBroadcast(bytes)) }
    // XEP-0191 §3.3: not to a blocked contact; a peer not yet known by its hello gets it.
    for peer in Set(peers.keys).union(peersWithoutHello).sorted() where peers[peer].map({ !isBlocked($0.jid) }) ?? true {
      actions.append(.meshSend(peer, bytes))
    }
  }

  mutating func peerLeft(_ peer: SessionPeer) {
    if peer == oldOwner {
      oldOwner = nil
      peersWithoutHello.remove(peer)
      return checkHellos()
    }
    defer { heard(from: peer) }
    guard let state = peers.removeValue(forKey: peer), let jid else { return }
    // Another process of the same full JID (a newer login, a resumption) keeps it online.
    guard !peers.values.contains(where: { $0.jid == state.jid }) else { return }
    occupantGone(state)
    if state.presence != nil, receivesPresence {
      presenceForClient(
        "<presence type='unavailable'" + StanzaText.attribute("from", state.jid.description)
          + StanzaText.attribute("to", jid.description) + "/>", from: state.jid)
    }
  }

  /// Our broadcast presence changed (RFC 6121 §4.2, §4.5): to every peer, and back to the client.
  mutating func broadcastPresence(_ stanza: XMLElement) {
    guard let jid else { return }
    let stripped = StanzaText.removing(["from", "to"], from: stanza)
    let available = stanza.attribute("type") == nil
    let firstPresence = !receivesPresence
    if available {
      priority = Session.priority(of: stanza)
    } else {
      pep.lastItemsSent = []  // sent again when the client is next available (XEP-0163 §4.3.2)
    }
    let xml = stripped.xml()
    presence = available ? xml : nil
    broadcastToPeers(xml, priority: available ? priority : nil)
    write(StanzaText.stamped(xml, from: jid.description, to: jid.description))
    guard available else { return }
    receivesPresence = true
    if firstPresence {
      for state in peers.values.sorted(by: { $0.jid.description < $1.jid.description }) where !isBlocked(state.jid) {
        if let presence = state.presence {
          write(StanzaText.stamped(presence, from: state.jid.description, to: jid.description))
        }
      }
    }
    if !offlineDelivered, priority >= 0 { deliverOfflineMessages() }
    noteCapabilities(stanza)
  }

  /// XEP-0160: what waited in the store, each with its XEP-0203 delay, then deleted (after the
  /// daemon has written them).
  mutating func deliverOfflineMessages() {
    guard let jid else { return }
    offlineDelivered = true
    let messages = backend.offlineMessages(for: jid.local)
    guard let last = messages.last else { return }
    for message in messages where !isFromBlocked(message.stanza) {
      let delay =
        "<delay xmlns='" + StanzaNamespace.delay + "'" + StanzaText.attribute("from", domain)
        + StanzaText.attribute("stamp", StanzaText.timestamp(message.stored)) + ">Offline storage</delay>"
      write(StanzaText.appending(delay, to: message.stanza))
    }
    actions.append(.deleteOfflineMessages(user: jid.local, upTo: last.id))
  }

  /// `<priority>` (RFC 6121 §4.7.2.3): -128...127, 0 when absent or not a number.
  static func priority(of presence: XMLElement) -> Int {
    guard let text = presence.child("priority")?.text, let value = Int(text) else { return 0 }
    return min(127, max(-128, value))
  }

  /// The bound sessions of a user (a local part), other than this one.
  func peers(of user: String) -> [(peer: SessionPeer, state: SessionPeerState)] {
    peers.filter { $0.value.jid.local == user }.map { (peer: $0.key, state: $0.value) }.sorted { $0.peer < $1.peer }
  }

  /// slugctl changed the user list: our own account may be gone; the roster gets pushes.
  mutating func usersChanged() {
    guard let jid else { return }
    guard backend.account(named: jid.local) != nil else {
      streamError("not-authorized", text: "account removed")
      return
    }
    guard let sent = rosterNames else { return }
    let current = rosterUsers()
    let currentNames = current.map { ASCII.lowercased($0) }
    for (index, name) in currentNames.enumerated() where !sent.contains(name) {
      pushRoster(rosterItem(current[index]))
    }
    for name in sent where !currentNames.contains(name) {
      pushRoster("<item" + StanzaText.attribute("jid", name + "@" + domain) + " subscription='remove'/>")
    }
    rosterNames = currentNames
  }

  mutating func pushRoster(_ item: String) {
    guard let jid else { return }
    rosterPushes += 1
    write(
      "<iq type='set' id='roster-push-\(rosterPushes)'" + StanzaText.attribute("to", jid.description) + "><query xmlns='"
        + StanzaNamespace.roster + "'>" + item + "</query></iq>")
  }

  /// Every other user, as stored.
  func rosterUsers() -> [String] {
    guard let jid else { return [] }
    return backend.userNames().filter { ASCII.lowercased($0) != jid.local }
  }

  func rosterItem(_ name: String) -> String {
    "<item" + StanzaText.attribute("jid", ASCII.lowercased(name) + "@" + domain) + StanzaText.attribute("name", name)
      + " subscription='both'><group>" + XMLEscape.text(domain) + "</group></item>"
  }
}
