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
}

extension Session {
  var meshHello: SessionMeshMessage? {
    guard let jid else { return nil }
    return .hello(
      SessionMeshHello(
        user: jid.local, resource: jid.resource, since: since, token: token, priority: presence == nil ? nil : priority,
        presence: presence.map { $0.xml() }))
  }

  mutating func peerJoined(_ peer: SessionPeer) {
    guard let hello = meshHello else { return }
    peersWithoutHello.insert(peer)
    actions.append(.meshSend(peer, hello.bytes))
  }

  /// A connection said hello or went: once none is outstanding, held messages go again.
  mutating func heard(from peer: SessionPeer) {
    guard peersWithoutHello.remove(peer) != nil, peersWithoutHello.isEmpty, !heldMessages.isEmpty else { return }
    let held = heldMessages
    heldMessages = []
    for message in held { routeMessage(message) }
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
        priority: hello.priority, presence: hello.presence)
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
      if let presence = hello.presence, receivesPresence {
        write(StanzaText.stamped(presence, from: state.jid.description, to: jid.description))
      }
      heard(from: peer)
    case .presence(let priority, let xml):
      guard var state = peers[peer] else { return }
      let wasAvailable = state.presence != nil
      state.priority = priority
      state.presence = priority == nil ? nil : xml
      peers[peer] = state
      if receivesPresence, priority != nil || wasAvailable {
        write(StanzaText.stamped(xml, from: state.jid.description, to: jid.description))
      }
    case .stanza(let xml):
      guard let state = peers[peer] else { return }
      write(StanzaText.stamped(xml, from: state.jid.description, to: nil))
    case .pep(let owner, let node, let xml):
      peerPEP(peer, owner: owner, node: node, xml)
    }
  }

  mutating func peerLeft(_ peer: SessionPeer) {
    defer { heard(from: peer) }
    guard let state = peers.removeValue(forKey: peer), let jid else { return }
    if state.presence != nil, receivesPresence {
      write("<presence type='unavailable'" + StanzaText.attribute("from", state.jid.description)
        + StanzaText.attribute("to", jid.description) + "/>")
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
      presence = stripped
    } else {
      presence = nil
      pep.lastItemsSent = []  // sent again when the client is next available (XEP-0163 §4.3.2)
    }
    let xml = stripped.xml()
    actions.append(.meshBroadcast(SessionMeshMessage.presence(priority: available ? priority : nil, xml: xml).bytes))
    write(StanzaText.stamped(xml, from: jid.description, to: jid.description))
    guard available else { return }
    receivesPresence = true
    if firstPresence {
      for state in peers.values.sorted(by: { $0.jid.description < $1.jid.description }) {
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
    for message in messages {
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
