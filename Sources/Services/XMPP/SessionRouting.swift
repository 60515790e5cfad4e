#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Stanzas from the bound client: messages (RFC 6121 §8.5), presence (§4) and iq, routed to the
/// mesh peers, to the store for an offline user, or answered by the server.
extension Session {
  /// Where a stanza's `to` points.
  enum Destination {
    /// The server itself (no local part), or no `to` for an iq.
    case server
    case user(JID)
    case remote(JID)
    /// conference.DOMAIN (the room service) or a room or occupant there (XEP-0045).
    case room(JID)
    /// upload.DOMAIN, the HTTP upload service (XEP0363Upload.swift).
    case upload(JID)
    case malformed
  }

  func destination(of stanza: XMLElement) -> Destination {
    guard let text = stanza.attribute("to") else { return .server }
    guard let to = JID(text) else { return .malformed }
    guard to.domain == domain else {
      if to.domain == uploadDomain { return .upload(to) }
      return to.domain == roomDomain ? .room(to) : .remote(to)
    }
    return to.local.isEmpty ? .server : .user(to)
  }

  /// An error reply to the client's stanza (never to an error).
  mutating func bounce(_ stanza: XMLElement, _ condition: String) {
    guard let jid, stanza.attribute("type") != "error" else { return }
    write(
      StanzaText.error(
        stanza.name, id: stanza.attribute("id"), from: stanza.attribute("to"), to: jid.description,
        type: StanzaText.errorType(of: condition), condition: condition))
  }

  /// The stanza as it travels: without the client's `from` (the receiver stamps the real one).
  func forwarded(_ stanza: XMLElement) -> String {
    StanzaText.removing(["from"], from: stanza).xml()
  }

  /// A stanza for another session; false when it is too big for one mesh message (then it
  /// is not sent: the peer would never see it). A peer with a resumable stream gets it in its
  /// queue first (XEP-0198), stamped as it would stamp it; `offline`: a message to keep if
  /// its client never acknowledges it.
  mutating func send(_ xml: String, to peer: SessionPeer, offline: Bool = false) -> Bool {
    if let jid, let stream = peers[peer]?.mesh.stream,
      case .some(.some) = backend.enqueue([(stream, StanzaText.stamped(xml, from: jid.description, to: nil), offline)]).first
    {
      actions.append(.meshSend(peer, SessionMeshMessage.queued.bytes))
      return true
    }
    let bytes = SessionMeshMessage.stanza(xml).bytes
    guard bytes.count <= SessionMeshMessage.maximumBytes else { return false }
    actions.append(.meshSend(peer, bytes))
    return true
  }

  /// A stanza with its own `from` and `to` (a carbon) for another session, as `send`.
  mutating func sendComplete(_ xml: String, to peer: SessionPeer) {
    if let stream = peers[peer]?.mesh.stream, case .some(.some) = backend.enqueue([(stream, xml, false)]).first {
      actions.append(.meshSend(peer, SessionMeshMessage.queued.bytes))
      return
    }
    let bytes = SessionMeshMessage.complete(xml).bytes
    guard bytes.count <= SessionMeshMessage.maximumBytes else { return }
    actions.append(.meshSend(peer, bytes))
  }

  /// A chat message that, undelivered, is kept as an offline message (RFC 6121 §8.5.2, XEP-0160).
  static func keepsOffline(_ message: XMLElement) -> Bool {
    guard message.name == "message", message.child("body") != nil else { return false }
    let type = message.attribute("type") ?? "normal"
    return type == "chat" || type == "normal"
  }

  /// The same for a serialised stanza (as this server writes them: attributes in single quotes).
  static func keepsOffline(_ xml: String) -> Bool {
    guard xml.bytesHavePrefix("<message"), xml.bytesContain("<body") else { return false }
    let head = xml.utf8.prefix { $0 != UInt8(ascii: ">") }
    let start = String(decoding: head, as: UTF8.self)
    return !start.bytesContain("type='groupchat'") && !start.bytesContain("type='headline'") && !start.bytesContain("type='error'")
  }

  // MARK: Messages

  mutating func routeMessage(_ message: XMLElement) {
    guard let jid else { return }
    let type = message.attribute("type") ?? "normal"
    let to: JID
    switch destination(of: message) {
    case .malformed: return bounce(message, "jid-malformed")
    case .remote: return bounce(message, "remote-server-not-found")
    case .upload: return bounce(message, "service-unavailable")
    case .room(let room): return roomMessage(message, to: room)
    case .server:
      // No `to` means the user's own bare JID (RFC 6120 §8.1.1.1); the server takes no
      // messages, and says so to a chat (RFC 6121 §8.5.1).
      guard message.attribute("to") == nil else {
        if type == "chat" || type == "normal" { bounce(message, "service-unavailable") }
        return
      }
      to = jid.bare
    case .user(let user): to = user
    }
    let (routed, entry) = archiving(message, to: to, type: type)
    let xml = forwarded(routed)
    let offline = Session.keepsOffline(message)
    if !to.isBare {
      if to == jid {
        write(StanzaText.stamped(xml, from: jid.description, to: nil))
        return archived(entry)
      }
      if let target = peers(of: to.local).first(where: { $0.state.jid.resource == to.resource }) {
        guard send(xml, to: target.peer, offline: offline) else { return bounce(message, "resource-constraint") }
        carbonCopies(routed, xml: xml, to: to, delivered: [target.peer])
        return archived(entry)
      }
    }
    // Bare JID, or a resource that is not online: the highest non-negative priority resources
    // (a direct invitation: every available one, XEP0249DirectInvitation.swift).
    var best = -1
    var targets: [SessionPeer?] = []
    let everyResource = Session.reachesEveryResource(message)
    func consider(_ target: SessionPeer?, _ priority: Int?) {
      guard let priority, priority >= 0, everyResource || priority >= best else { return }
      if priority > best, !everyResource { targets = [] }
      best = priority
      targets.append(target)
    }
    for (peer, state) in peers(of: to.local) { consider(peer, state.priority) }
    if to.local == jid.local { consider(nil, presence == nil ? nil : priority) }
    if !targets.isEmpty, type != "groupchat" {
      var delivered = true
      var reached = false
      for target in targets {
        if let target {
          let sent = send(xml, to: target, offline: offline)
          delivered = sent && delivered
          reached = sent || reached
        } else {
          write(StanzaText.stamped(xml, from: jid.description, to: nil))
          reached = true
        }
      }
      if !delivered { bounce(message, "resource-constraint") }
      if reached {
        carbonCopies(routed, xml: xml, to: to, delivered: targets.compactMap { $0 })
        archived(entry)
      }
      return
    }
    if targets.isEmpty, type != "groupchat", !peersWithoutHello.isEmpty,
      heldMessages.count < Session.maximumHeldMessages
    {
      heldMessages.append(message)
      return
    }
    switch type {
    case "normal", "chat":
      guard backend.account(named: to.local) != nil, !isBlocked(by: to.local) else { return bounce(message, "service-unavailable") }
      // XEP-0160: only what has content is kept; chat states alone are dropped.
      guard message.child("body") != nil || message.child("subject") != nil else { return }
      let stored = StanzaText.stamped(
        StanzaText.removing(["from", "to"], from: routed).xml(), from: jid.description, to: to.bare.description)
      switch backend.storeOfflineMessage(stored, to: to.local, at: now / 1000) {
      case .done: archived(entry)
      case .full: bounce(message, "resource-constraint")
      case .unavailable: bounce(message, "service-unavailable")
      }
    case "groupchat":
      bounce(message, "service-unavailable")
    default:
      break  // headline and error: dropped (RFC 6121 §8.5.2.1)
    }
  }

  // MARK: Presence

  mutating func routePresence(_ stanza: XMLElement) {
    guard let jid else { return }
    let type = stanza.attribute("type")
    guard stanza.attribute("to") != nil else {
      if type == "unavailable" { leaveRooms() }
      if type == nil || type == "unavailable" { broadcastPresence(stanza) }
      return
    }
    if case .room(let room) = destination(of: stanza) { return roomPresence(stanza, to: room) }
    guard case .user(let to) = destination(of: stanza) else { return }
    switch type {
    case nil, "unavailable":
      // Directed presence (RFC 6121 §4.6).
      let xml = forwarded(stanza)
      for target in peers(of: to.local) where to.isBare || target.state.jid.resource == to.resource {
        _ = send(xml, to: target.peer)
      }
    case "probe":
      for target in peers(of: to.local) {
        if let presence = target.state.presence {
          write(StanzaText.stamped(presence, from: target.state.jid.description, to: jid.description))
        }
      }
    case "subscribe":
      // Everyone is everyone's buddy: a subscription request is granted at once.
      if backend.account(named: to.local) != nil {
        write(
          "<presence type='subscribed'" + StanzaText.attribute("from", to.bare.description)
            + StanzaText.attribute("to", jid.bare.description) + "/>")
      }
    default:
      break  // subscribed, unsubscribe, unsubscribed, error: nothing to change
    }
  }

  // MARK: iq

  mutating func routeIQ(_ iq: XMLElement) {
    guard let jid else { return }
    let type = iq.attribute("type") ?? ""
    let isRequest = type == "get" || type == "set"
    guard isRequest || type == "result" || type == "error" else { return bounce(iq, "bad-request") }
    guard !isRequest || (iq.attribute("id") != nil && iq.elements.count == 1) else { return bounce(iq, "bad-request") }
    if !isRequest, capabilitiesAnswer(iq) { return }
    switch destination(of: iq) {
    case .malformed:
      if isRequest { bounce(iq, "jid-malformed") }
    case .remote:
      if isRequest { bounce(iq, "remote-server-not-found") }
    case .room(let room):
      if isRequest { roomIQ(iq, to: room) }
    case .upload(let service):
      if isRequest { uploadIQ(iq, to: service) }
    case .server:
      if isRequest { answer(iq, about: nil) }
    case .user(let to):
      if to.isBare {
        if isRequest { answer(iq, about: to) }
      } else if to == jid {
        if isRequest { answer(iq, about: to.bare) }
      } else if let target = peers(of: to.local).first(where: { $0.state.jid.resource == to.resource }) {
        if !send(forwarded(iq), to: target.peer), isRequest { bounce(iq, "resource-constraint") }
      } else if isRequest {
        bounce(iq, "service-unavailable")
      }
    }
  }

  /// A get or set the server answers: about the server (`account` nil) or a user's account.
  mutating func answer(_ iq: XMLElement, about account: JID?) {
    guard let jid, let payload = iq.elements.first else { return }
    let isGet = iq.attribute("type") == "get"
    let own = account == nil || account?.local == jid.local
    let result = "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id"))
      + StanzaText.attribute("from", iq.attribute("to")) + StanzaText.attribute("to", jid.description)
    func empty() -> String { result + "/>" }
    func with(_ child: String) -> String { result + ">" + child + "</iq>" }

    switch (payload.namespace, payload.name) {
    case (StanzaNamespace.roster, "query") where own:
      if isGet {
        let users = rosterUsers()
        rosterNames = users.map { ASCII.lowercased($0) }
        write(with("<query xmlns='" + StanzaNamespace.roster + "'>" + users.map { rosterItem($0) }.joined() + "</query>"))
      } else {
        write(empty())  // the roster is everyone: nothing to add or remove
      }
    case (StanzaNamespace.carbons, "enable") where !isGet && own, (StanzaNamespace.carbons, "disable") where !isGet && own:
      setCarbons(payload.name == "enable")
      write(empty())
    case (StanzaNamespace.session, "session") where !isGet:
      write(empty())
    case (StanzaNamespace.bind, "bind"):
      bounce(iq, "not-allowed")
    case (StanzaNamespace.discoInfo, "query") where isGet:
      if account == nil {
        write(with(Session.serverInfo(node: payload.attribute("node")).xml()))
      } else if let account, let node = payload.attribute("node") {
        nodeDiscovery(iq, payload, account: account, node: node)
      } else if let account, backend.account(named: account.local) != nil {
        write(with(accountDiscoInfo()))
      } else {
        bounce(iq, "service-unavailable")
      }
    case (StanzaNamespace.discoItems, "query") where isGet:
      if let account, let node = payload.attribute("node") {
        nodeDiscovery(iq, payload, account: account, node: node)
      } else if let account, backend.account(named: account.local) != nil {
        write(with(accountDiscoItems(account)))
      } else {
        write(with(account == nil ? serviceItems : "<query xmlns='" + StanzaNamespace.discoItems + "'/>"))
      }
    case (PubSubNamespace.pubsub, "pubsub"), (PubSubNamespace.owner, "pubsub"):
      pubSub(iq, payload, about: account)
    case (Session.privateNamespace, "query"):
      privateStorage(iq, payload, own: own)
    case (StanzaNamespace.version, "query") where isGet && account == nil:
      write(
        with(
          "<query xmlns='" + StanzaNamespace.version + "'><name>" + XMLEscape.text(configuration.softwareName)
            + "</name><version>" + XMLEscape.text(configuration.softwareVersion) + "</version></query>"))
    case (StanzaNamespace.ping, "ping") where isGet:
      write(empty())
    case (StanzaNamespace.vCard, "vCard"):
      if isGet {
        let owner = account?.local ?? jid.local
        guard backend.account(named: owner) != nil else { return bounce(iq, "item-not-found") }
        write(with(backend.vCard(of: owner) ?? "<vCard xmlns='" + StanzaNamespace.vCard + "'/>"))
      } else {
        guard own else { return bounce(iq, "forbidden") }
        switch backend.setVCard(payload.xml(), of: jid.local) {
        case .done: write(empty())
        case .full: bounce(iq, "not-acceptable")
        case .unavailable: bounce(iq, "service-unavailable")
        }
      }
    case (StanzaNamespace.privacy, "query") where own:
      // No privacy lists are kept (XEP-0016): none to list, any change accepted and ignored.
      write(isGet ? with("<query xmlns='" + StanzaNamespace.privacy + "'/>") : empty())
    case (StanzaNamespace.blocking, _) where own:
      blocking(iq, payload)
    case (StanzaNamespace.mam, _) where own:
      answerArchive(iq, payload)
    default:
      bounce(iq, "service-unavailable")
    }
  }
}
