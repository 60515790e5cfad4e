#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0313 Message Archive Management on the user's own archive: the query form, queries
/// (results one message each, then the `<fin>` with XEP-0059's set), the preferences and the
/// metadata. What goes into the archive: XEP0359StanzaID.swift.
extension Session {
  static var forwardNamespace: String { "urn:xmpp:forward:0" }

  mutating func answerArchive(_ iq: XMLElement, _ payload: XMLElement) {
    let isGet = iq.attribute("type") == "get"
    switch payload.name {
    case "query" where isGet: writeResult(to: iq, Session.archiveQueryForm)
    case "query": queryArchive(iq, payload)
    case "prefs": archivePreferences(iq, payload, isGet: isGet)
    case "metadata" where isGet: archiveMetadata(iq)
    default: bounce(iq, "service-unavailable")
    }
  }

  /// The fields a query may fill in (XEP-0313 §4.1.5, and #extended's).
  static var archiveQueryForm: String {
    func field(_ name: String, _ type: String) -> String { "<field type='" + type + "' var='" + name + "'/>" }
    return "<query xmlns='" + StanzaNamespace.mam + "'><x xmlns='" + ArchiveRequest.dataForms
      + "' type='form'><field type='hidden' var='FORM_TYPE'><value>" + StanzaNamespace.mam + "</value></field>"
      + field("with", "jid-single") + field("start", "text-single") + field("end", "text-single")
      + field("before-id", "text-single") + field("after-id", "text-single")
      + "<field type='list-multi' var='ids'><validate xmlns='http://jabber.org/protocol/xdata-validate'"
      + " datatype='xs:string'><open/></validate></field></x></query>"
  }

  mutating func writeResult(to iq: XMLElement, _ child: String) {
    guard let jid else { return }
    write(
      "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id"))
        + StanzaText.attribute("from", iq.attribute("to")) + StanzaText.attribute("to", jid.description) + ">" + child
        + "</iq>")
  }

  /// The client's own archive, or a room's (`room`, XEP0313RoomArchive.swift).
  mutating func queryArchive(_ iq: XMLElement, _ payload: XMLElement, room: String? = nil) {
    guard let jid else { return }
    guard let request = ArchiveRequest(payload) else { return bounce(iq, "bad-request") }
    var query = SessionArchiveQuery(
      owner: jid.local, room: room, with: request.with?.local,
      withResource: request.with.flatMap { $0.isBare ? nil : $0.resource }, start: request.start, end: request.end,
      afterID: request.afterID, beforeID: request.beforeID, ids: request.ids, paging: request.paging, limit: request.limit)
    var matchesNothing = false
    if let with = request.with {
      if let room {
        let filter = roomArchiveFilter(with, room: room)
        (query.with, query.withResource, query.withNick) = (filter?.sender, nil, filter?.nick)
        matchesNothing = filter == nil
      } else {
        // Only this domain's users talk here: nothing is archived with anyone else.
        matchesNothing = with.domain != domain || with.local.isEmpty
      }
    }
    let page: SessionArchivePage
    if matchesNothing {
      page = SessionArchivePage(messages: [], count: 0, firstIndex: nil, complete: true)
    } else {
      switch backend.archive(query, now: now) {
      case .page(let answer): page = answer
      case .itemNotFound: return bounce(iq, "item-not-found")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
    }
    let messages = request.flipPage ? Array(page.messages.reversed()) : page.messages
    for message in messages {
      write(
        "<message" + StanzaText.attribute("to", jid.description)
          + StanzaText.attribute("from", room.map { roomAddress($0) } ?? jid.bare.description)
          + "><result xmlns='" + StanzaNamespace.mam + "'" + StanzaText.attribute("queryid", request.queryID)
          + StanzaText.attribute("id", message.id) + "><forwarded xmlns='" + Session.forwardNamespace
          + "'><delay xmlns='" + StanzaNamespace.delay + "'"
          + StanzaText.attribute("stamp", XEP0082Time.format(milliseconds: message.stamp)) + "/>" + message.stanza
          + "</forwarded></result></message>")
    }
    var set = "<set xmlns='" + ArchiveRequest.resultSetManagement + "'>"
    if let first = page.messages.first, let last = page.messages.last {
      set += "<first" + StanzaText.attribute("index", page.firstIndex.map { "\($0)" }) + ">" + XMLEscape.text(first.id)
        + "</first><last>" + XMLEscape.text(last.id) + "</last>"
    }
    set += "<count>\(page.count)</count></set>"
    writeResult(
      to: iq,
      "<fin xmlns='" + StanzaNamespace.mam + "'" + StanzaText.attribute("queryid", request.queryID) + " complete='"
        + (page.complete ? "true" : "false") + "'>" + set + "</fin>")
  }

  /// XEP-0313 §6: the default is kept; always and never lists are not (the answer shows them
  /// empty, as in effect).
  mutating func archivePreferences(_ iq: XMLElement, _ payload: XMLElement, isGet: Bool) {
    guard let jid else { return }
    let mode: SessionArchiveDefault
    if isGet {
      guard let stored = backend.archiveDefault(of: jid.local) else { return bounce(iq, "service-unavailable") }
      mode = stored
    } else {
      guard let asked = payload.attribute("default").flatMap(SessionArchiveDefault.init(rawValue:)) else {
        return bounce(iq, "bad-request")
      }
      switch backend.setArchiveDefault(asked, of: jid.local) {
      case .done: mode = asked
      case .full: return bounce(iq, "not-acceptable")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
    }
    writeResult(
      to: iq, "<prefs xmlns='" + StanzaNamespace.mam + "' default='" + mode.rawValue + "'><always/><never/></prefs>")
  }

  /// XEP-0313 §5.1: the archive's (or the room's) first and last message.
  mutating func archiveMetadata(_ iq: XMLElement, room: String? = nil) {
    guard let jid else { return }
    func end(_ paging: SessionArchivePaging) -> SessionArchiveAnswer {
      backend.archive(SessionArchiveQuery(owner: jid.local, room: room, paging: paging, limit: 1), now: now)
    }
    guard case .page(let first) = end(.forward(after: nil, offset: 0)), case .page(let last) = end(.backward(before: nil))
    else { return bounce(iq, "service-unavailable") }
    var metadata = "<metadata xmlns='" + StanzaNamespace.mam + "'>"
    for (name, message) in [("start", first.messages.first), ("end", last.messages.first)] {
      guard let message else { continue }
      metadata += "<" + name + StanzaText.attribute("id", message.id)
        + StanzaText.attribute("timestamp", XEP0082Time.format(milliseconds: message.stamp)) + "/>"
    }
    writeResult(to: iq, metadata + "</metadata>")
  }
}
