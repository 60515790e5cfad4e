#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Blocking (XEP-0191). The list is the user's, in the store; each session process reads it
/// once, when it first needs it, and reads it again when another resource of the same user
/// says it changed (the push of §3.3, which reaches that process over the mesh). What comes
/// from a blocked address is stopped in the blocker's own process, the only one that knows
/// the list: a message or an iq request is answered with `service-unavailable` (§3.5),
/// presence is dropped; and what the user sends to a blocked address is refused with
/// `not-acceptable` and `<blocked/>` (§3.6).
public protocol SessionBlockingBackend {
  /// The entries as stored (addresses in the form `JID.description` gives them).
  func blockList(of user: String) -> [String]
  mutating func block(_ jids: [String], user: String) -> SessionStoreOutcome
  /// `jids` empty: every entry.
  mutating func unblock(_ jids: [String], user: String) -> SessionStoreOutcome
}

extension StanzaNamespace {
  public static let blockingErrors = "urn:xmpp:blocking:errors"
}

extension Session {
  /// The list, read from the store the first time it is needed.
  mutating func blocked() -> Set<String> {
    if let blockList { return blockList }
    guard let jid else { return [] }
    let read = Set(backend.blockList(of: jid.local))
    blockList = read
    return read
  }

  /// Whether an entry of the list covers `address`: its full JID, bare JID, domain, or
  /// domain/resource (the matching of XEP-0016 §2.1 that XEP-0191 §3.6 refers to).
  mutating func isBlocked(_ address: JID) -> Bool {
    Session.covers(blocked(), address)
  }

  /// Whether `user` blocks us: asked of the store only when a message to them would be kept
  /// offline, so a blocked contact cannot fill their offline storage (§3.5 answers it).
  func isBlocked(by user: String) -> Bool {
    guard let jid else { return false }
    return Session.covers(Set(backend.blockList(of: user)), jid)
  }

  static func covers(_ list: Set<String>, _ address: JID) -> Bool {
    guard !list.isEmpty else { return false }
    var candidates = [address.description, address.bare.description, address.domain]
    if !address.resource.isEmpty { candidates.append(address.domain + "/" + address.resource) }
    return candidates.contains { list.contains($0) }
  }

  /// A stanza this server wrote for another process (`from` in single quotes, as
  /// StanzaText.stamped writes it) comes from a blocked address.
  mutating func isFromBlocked(_ xml: String) -> Bool {
    guard !blocked().isEmpty, let from = Session.fromAttribute(of: xml), let address = JID(from) else { return false }
    return isBlocked(address)
  }

  static func fromAttribute(of xml: String) -> String? {
    attribute("from", of: String(decoding: xml.utf8.prefix { $0 != UInt8(ascii: ">") }, as: UTF8.self))
  }

  /// §3.6: the client's own stanza to a blocked address, refused; true when it was.
  mutating func refusedAsBlocked(_ stanza: XMLElement) -> Bool {
    // The list first: with none (the usual case) no address is parsed on the hot path.
    guard !blocked().isEmpty, let jid, let text = stanza.attribute("to"), let to = JID(text), to.bare != jid.bare,
      isBlocked(to)
    else {
      return false
    }
    let type = stanza.attribute("type")
    if stanza.name == "presence" || type == "error" || type == "result" { return true }
    write(
      "<" + stanza.name + " type='error'" + StanzaText.attribute("id", stanza.attribute("id"))
        + StanzaText.attribute("from", text) + StanzaText.attribute("to", jid.description)
        + "><error type='cancel'><not-acceptable xmlns='" + StanzaNamespace.stanzaErrors + "'/><blocked xmlns='"
        + StanzaNamespace.blockingErrors + "'/></error></" + stanza.name + ">")
    return true
  }

  /// §3.5: a stanza from a blocked address that reached us over the mesh; true when it was
  /// stopped. A message or an iq request gets its error back through the sender's process.
  mutating func stoppedAsBlocked(_ xml: String, from peer: SessionPeer, _ sender: JID) -> Bool {
    guard isBlocked(sender) else { return false }
    let head = String(decoding: xml.utf8.prefix { $0 != UInt8(ascii: ">") }, as: UTF8.self)
    let type = Session.attribute("type", of: head)
    let name = head.bytesHavePrefix("<message") ? "message" : head.bytesHavePrefix("<iq") ? "iq" : "presence"
    if (name == "message" && type != "error") || (name == "iq" && (type == "get" || type == "set")) {
      _ = send(
        StanzaText.error(
          name, id: Session.attribute("id", of: head), from: nil, to: sender.description, type: "cancel",
          condition: "service-unavailable"), to: peer)
    }
    return true
  }

  /// An attribute of a start tag this server wrote (single quotes, the five entities).
  static func attribute(_ name: String, of head: String) -> String? {
    let bytes = Array(head.utf8)
    let needle = Array((" " + name + "='").utf8)
    guard bytes.count >= needle.count,
      let start = (0...(bytes.count - needle.count)).first(where: { bytes[$0..<$0 + needle.count].elementsEqual(needle) })
    else { return nil }
    let value = Substring(String(decoding: bytes[(start + needle.count)...].prefix { $0 != UInt8(ascii: "'") }, as: UTF8.self))
    guard value.contains("&") else { return String(value) }
    let entities: [Substring: String] = ["lt": "<", "gt": ">", "quot": "\"", "apos": "'", "amp": "&"]
    var decoded = ""
    var rest = value
    while let amp = rest.firstIndex(of: "&") {
      decoded += rest[..<amp]
      let afterAmp = rest.index(after: amp)
      guard let semicolon = rest[afterAmp...].firstIndex(of: ";"), let character = entities[rest[afterAmp..<semicolon]] else {
        return nil  // not as this server writes it
      }
      decoded += character
      rest = rest[rest.index(after: semicolon)...]
    }
    return decoded + rest
  }

  /// Another resource of ours changed the list (its push came over the mesh, or through our
  /// stream's queue): read it again, and show or hide this resource's presence as the change
  /// asks (§3.3: the contact sees every resource of the user go).
  mutating func noteBlockingPush(_ xml: String) {
    guard xml.bytesContain(StanzaNamespace.blocking) else { return }
    let cached = blockList
    blockList = nil
    let after = blocked()
    // A process that never needed the list has no `before`: the push's items tell it.
    let items = Set(Session.pushedJIDs(xml).compactMap { JID($0)?.description })
    let before =
      cached ?? (xml.bytesContain("<unblock") ? (items.isEmpty ? Set(peers.values.map { $0.jid.bare.description }) : after.union(items))
        : after.subtracting(items))
    presenceAfterBlocking(before: before, after: after)
  }

  /// The `jid` of each item of a push this server wrote.
  static func pushedJIDs(_ xml: String) -> [String] {
    var jids: [String] = []
    var rest = Substring(xml)
    while let item = rest.firstIndex(of: "<") {
      rest = rest[rest.index(after: item)...]
      guard rest.hasPrefix("item ") else { continue }
      let head = String(rest.prefix { $0 != ">" })
      if let jid = attribute("jid", of: " " + head) { jids.append(jid) }
    }
    return jids
  }

  /// The block list requests of §3.1-3.4, for the user's own account.
  mutating func blocking(_ iq: XMLElement, _ payload: XMLElement) {
    guard let jid else { return }
    switch (payload.name, iq.attribute("type") == "get") {
    case ("blocklist", true):
      write(
        iqResult(
          iq,
          "<blocklist xmlns='" + StanzaNamespace.blocking + "'>"
            + blocked().sorted().map { "<item" + StanzaText.attribute("jid", $0) + "/>" }.joined() + "</blocklist>"))
    case ("block", false), ("unblock", false):
      var jids: [String] = []
      for item in payload.elements where item.name == "item" {
        guard let text = item.attribute("jid"), let address = JID(text) else { return bounce(iq, "jid-malformed") }
        jids.append(address.description)
      }
      // §3.3: a block names at least one address; an unblock without one clears the list.
      if payload.name == "block", jids.isEmpty { return bounce(iq, "bad-request") }
      let before = blocked()
      let outcome = payload.name == "block" ? backend.block(jids, user: jid.local) : backend.unblock(jids, user: jid.local)
      switch outcome {
      case .done: break
      case .full: return bounce(iq, "resource-constraint")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
      blockList = nil
      let after = blocked()
      write(iqResult(iq, nil))
      pushBlocking(payload.name, jids)
      presenceAfterBlocking(before: before, after: after)
    default:
      bounce(iq, "bad-request")
    }
  }

  /// §3.3-3.4: the change to every resource of the user, this one included.
  mutating func pushBlocking(_ change: String, _ jids: [String]) {
    guard let jid else { return }
    let element =
      "<" + change + " xmlns='" + StanzaNamespace.blocking + "'>" + jids.map { "<item" + StanzaText.attribute("jid", $0) + "/>" }.joined()
      + "</" + change + ">"
    let id = "block-" + Hex.lowercase(randomBytes(6))
    func push(to address: JID) -> String {
      "<iq type='set'" + StanzaText.attribute("from", jid.bare.description) + StanzaText.attribute("to", address.description)
        + StanzaText.attribute("id", id) + ">" + element + "</iq>"
    }
    write(push(to: jid))
    for target in peers(of: jid.local) { sendComplete(push(to: target.state.jid), to: target.peer) }
  }

  /// A blocked contact's session said hello: ours told it our presence, which it must not
  /// see (§3.3), so it is taken back at once.
  mutating func hideFromBlocked(_ peer: SessionPeer, _ state: SessionPeerState) {
    guard presence != nil, isBlocked(state.jid) else { return }
    presence("<presence type='unavailable'/>", priority: nil, to: peer, state)
  }

  /// Our presence to one peer as broadcastToPeers sends it to all: its process then holds it
  /// as our state, so its client is not shown the presence of our hello again.
  mutating func presence(_ xml: String, priority: Int?, to peer: SessionPeer, _ state: SessionPeerState) {
    guard let jid else { return }
    var queued: [String] = []
    if let stream = state.mesh.stream, state.presence != nil, !state.mesh.inactive,
      case .some(.some) = backend.enqueue([(stream, StanzaText.stamped(xml, from: jid.description, to: state.jid.description), false)]).first
    {
      queued = [stream]
    }
    actions.append(.meshSend(peer, SessionMeshMessage.presence(priority: priority, queued: queued, xml: xml).bytes))
  }

  /// §3.3: a contact now blocked sees us go; §3.4: one unblocked gets our presence again.
  mutating func presenceAfterBlocking(before: Set<String>, after: Set<String>) {
    guard let jid, let presence else { return }
    for (peer, state) in peers where state.jid.local != jid.local {
      let was = Session.covers(before, state.jid)
      let now = Session.covers(after, state.jid)
      if !was, now {
        self.presence("<presence type='unavailable'/>", priority: nil, to: peer, state)
      } else if was, !now {
        self.presence(presence, priority: priority, to: peer, state)
      }
    }
  }
}
