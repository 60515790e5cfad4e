#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// A room's messages in the message archive (XEP-0313 §5): a groupchat message with a body gets
/// an archive id, which every occupant's copy carries as the room's XEP-0359 stanza-id; the
/// sender's process writes the row after the fan-out (`.storeRoomMessage`). The history a
/// join gets (XEP-0045 §7.2.14) and an archive query to the room's JID read the same rows,
/// under the archive's retention. Only who may join may read: a members-only room answers
/// its members, no room its outcasts.
extension Session {
  /// Messages of history a join gets unless it asks otherwise (§7.2.14), and the most it may ask.
  static var defaultHistory: Int { 20 }
  static var maximumHistory: Int { 1000 }

  func roomStanzaID(_ id: String, room: String) -> String {
    "<stanza-id xmlns='" + StanzaNamespace.stanzaID + "'" + StanzaText.attribute("by", roomAddress(room))
      + StanzaText.attribute("id", id) + "/>"
  }

  /// XEP-0045 §7.4: to every occupant from the sender's nick, back to the sender, then kept (a
  /// body) or the subject set (§8.1: any member may).
  mutating func groupchat(_ message: XMLElement, in name: String, joined: JoinedRoom) {
    guard let jid else { return }
    if let subject = message.child("subject"), message.child("body") == nil {
      guard joined.affiliation.isMember else { return bounce(message, "forbidden") }
      switch backend.setRoomSubject(subject.text, by: joined.nick, in: name) {
      case .done: break
      case .full: return bounce(message, "not-acceptable")
      case .unavailable: return bounce(message, "service-unavailable")
      }
    }
    // Only the room puts in a stanza-id by this server (XEP-0359 §5).
    var cleaned = StanzaText.removing(["from", "to"], from: message)
    cleaned.children.removeAll { node in
      guard case .element(let child) = node, child.name == "stanza-id", child.namespace == StanzaNamespace.stanzaID
      else { return false }
      let by = JID(child.attribute("by") ?? "")?.domain
      return by == domain || by == roomDomain
    }
    let from = roomAddress(name, nick: joined.nick)
    var stanza = StanzaText.stamped(cleaned.xml(), from: from, to: nil)
    var entry: SessionRoomMessage?
    if archiving, message.child("body") != nil, message.child("no-store", namespace: StanzaNamespace.hints) == nil,
      message.child("no-permanent-store", namespace: StanzaNamespace.hints) == nil
    {
      var stored: [UInt8] = []
      cleaned.write(to: &stored, parentNamespace: "")
      let kept = StanzaText.stamped(String(decoding: stored, as: UTF8.self), from: from, to: nil)
      if kept.utf8.count <= Session.maximumArchivedStanzaBytes {
        let id = archiveID()
        entry = SessionRoomMessage(
          room: name, id: id, stamp: now, sender: jid.local, senderResource: jid.resource, nick: joined.nick, stanza: kept)
        stanza = StanzaText.appending(roomStanzaID(id, room: name), to: stanza)
      }
    }
    sendToOccupants(occupants(of: name).map { (StanzaText.stamped(stanza, from: nil, to: $0.jid.description), $0.peer) })
    write(StanzaText.stamped(stanza, from: nil, to: jid.description))
    if let entry { actions.append(.storeRoomMessage(entry)) }
  }

  /// §7.2.14: the last messages, each with the time it was sent (XEP-0203) and the stanza-id
  /// the occupants got; `maxchars` counts the characters of the stanzas as sent.
  mutating func sendHistory(of name: String, asked: XMLElement?) {
    guard let jid else { return }
    var limit = Session.defaultHistory
    var since = Int64.min
    var maximumCharacters = Int.max
    if let asked {
      // A bound on time alone asks for everything in it (as much as is kept).
      if asked.attribute("seconds") != nil || asked.attribute("since") != nil { limit = Session.maximumHistory }
      if let text = asked.attribute("maxstanzas"), let count = Int(text) { limit = min(max(count, 0), Session.maximumHistory) }
      if let text = asked.attribute("maxchars"), let count = Int(text) { maximumCharacters = max(count, 0) }
      if let text = asked.attribute("seconds"), let seconds = Int64(text), seconds >= 0 {
        since = max(since, now - min(seconds, Int64.max / 1000) * 1000)
      }
      if let text = asked.attribute("since"), let time = Session.unixTime(text) { since = max(since, time * 1000) }
    }
    guard limit > 0, maximumCharacters > 0 else { return }
    var history: [String] = []
    var characters = 0
    for message in backend.roomHistory(of: name, limit: limit, since: since, now: now).reversed() {
      let delay =
        "<delay xmlns='" + StanzaNamespace.delay + "'" + StanzaText.attribute("from", roomAddress(name))
        + StanzaText.attribute("stamp", StanzaText.timestamp(message.stamp / 1000)) + "/>"
      let stanza = StanzaText.appending(
        roomStanzaID(message.id, room: name) + delay, to: StanzaText.stamped(message.stanza, from: nil, to: jid.description))
      characters += stanza.unicodeScalars.count
      guard characters <= maximumCharacters else { break }
      history.append(stanza)
    }
    for stanza in history.reversed() { write(stanza) }
  }

  /// XEP-0313 §5: an archive query to a room, by those who may join it.
  mutating func answerRoomArchive(_ iq: XMLElement, _ payload: XMLElement, room: SessionRoom) {
    guard let jid else { return }
    let affiliation = room.affiliation(of: jid.local)
    guard affiliation != .outcast, !room.membersOnly || affiliation.isMember else { return bounce(iq, "forbidden") }
    let isGet = iq.attribute("type") == "get"
    switch payload.name {
    case "query" where isGet: writeResult(to: iq, Session.archiveQueryForm)
    case "query": queryArchive(iq, payload, room: room.name)
    case "metadata" where isGet: archiveMetadata(iq, room: room.name)
    default: bounce(iq, "service-unavailable")
    }
  }

  /// A query's `with` in a room's archive: an occupant (ROOM@conference.DOMAIN/NICK) or a
  /// user of this domain (everyone sees real JIDs here); nil when it can match nothing.
  func roomArchiveFilter(_ with: JID, room: String) -> (sender: String?, nick: String?)? {
    if with.domain == roomDomain, ASCII.lowercased(with.local) == room, !with.isBare { return (nil, with.resource) }
    if with.domain == domain, !with.local.isEmpty { return (with.local, nil) }
    return nil
  }
}
