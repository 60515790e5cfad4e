#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0045's service at conference.DOMAIN: what disco shows of it and its rooms (§6), the
/// owner's configuration form (§10.1-10.2: title and members-only), and XEP-0410's self-ping.
extension Session {
  /// The server's disco#items: the room service.
  var roomServiceItem: String {
    "<query xmlns='" + StanzaNamespace.discoItems + "'><item" + StanzaText.attribute("jid", roomDomain)
      + " name='Rooms'/></query>"
  }

  /// A room's title as shown: its own, the domain for the standing room, else its name.
  func title(of room: SessionRoom) -> String {
    if !room.title.isEmpty { return room.title }
    return room.standing ? domain : room.name
  }

  mutating func roomIQ(_ iq: XMLElement, to address: JID) {
    guard let jid, let payload = iq.elements.first else { return }
    let isGet = iq.attribute("type") == "get"
    if !address.isBare {
      // An occupant: only its own session answers XEP-0410's "am I still in?".
      guard payload.namespace == StanzaNamespace.ping, isGet else { return bounce(iq, "service-unavailable") }
      guard rooms[address.local]?.nick == address.resource else { return bounce(iq, "not-acceptable") }
      return write(iqResult(iq, nil))
    }
    if address.local.isEmpty {
      switch (payload.namespace, payload.name) {
      case (StanzaNamespace.discoInfo, "query") where isGet:
        write(
          iqResult(
            iq,
            "<query xmlns='" + StanzaNamespace.discoInfo + "'><identity category='conference' type='text' name='Rooms'/>"
              + [StanzaNamespace.discoInfo, StanzaNamespace.discoItems, StanzaNamespace.muc].map { "<feature var='" + $0 + "'/>" }
              .joined() + "</query>"))
      case (StanzaNamespace.discoItems, "query") where isGet:
        let items = backend.rooms().filter { $0.isVisible(to: jid.local) }.map { room in
          "<item" + StanzaText.attribute("jid", roomAddress(room.name)) + StanzaText.attribute("name", title(of: room)) + "/>"
        }
        write(iqResult(iq, "<query xmlns='" + StanzaNamespace.discoItems + "'>" + items.joined() + "</query>"))
      case (StanzaNamespace.ping, "ping") where isGet:
        write(iqResult(iq, nil))
      default:
        bounce(iq, "service-unavailable")
      }
      return
    }
    guard let room = backend.room(named: address.local) else { return bounce(iq, "item-not-found") }
    switch (payload.namespace, payload.name) {
    case (StanzaNamespace.discoInfo, "query") where isGet:
      write(iqResult(iq, roomInfo(room)))
    case (StanzaNamespace.discoItems, "query") where isGet:
      write(iqResult(iq, "<query xmlns='" + StanzaNamespace.discoItems + "'/>"))
    case (StanzaNamespace.mucOwner, "query"):
      guard room.affiliation(of: jid.local) == .owner else { return bounce(iq, "forbidden") }
      if isGet { return write(iqResult(iq, "<query xmlns='" + StanzaNamespace.mucOwner + "'>" + configurationForm(room) + "</query>")) }
      if payload.child("destroy") != nil { return destroyRoom(iq, room) }
      configure(iq, room, form: payload.child("x", namespace: StanzaNamespace.dataForms))
    case (StanzaNamespace.mucAdmin, "query"):
      roomAdmin(iq, payload, room: room)
    case (StanzaNamespace.mam, _):
      answerRoomArchive(iq, payload, room: room)
    default:
      bounce(iq, "service-unavailable")
    }
  }

  func iqResult(_ iq: XMLElement, _ child: String?) -> String {
    "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id")) + StanzaText.attribute("from", iq.attribute("to"))
      + StanzaText.attribute("to", jid?.description) + (child.map { ">" + $0 + "</iq>" } ?? "/>")
  }

  /// §6.4: every room here is persistent, unmoderated and shows real JIDs; its messages are
  /// archived with stanza-ids when the archive keeps any (XEP0313RoomArchive.swift).
  func roomInfo(_ room: SessionRoom) -> String {
    let count = occupants(of: room.name).count + (rooms[room.name] == nil ? 0 : 1)
    let features =
      [
        StanzaNamespace.muc, "muc_persistent", room.membersOnly ? "muc_membersonly" : "muc_open",
        room.membersOnly ? "muc_hidden" : "muc_public", "muc_nonanonymous", "muc_unmoderated",
        room.password.isEmpty ? "muc_unsecured" : "muc_passwordprotected",
      ] + (archiving ? [StanzaNamespace.mam, StanzaNamespace.stanzaID] : [])
    return "<query xmlns='" + StanzaNamespace.discoInfo + "'><identity category='conference' type='text'"
      + StanzaText.attribute("name", title(of: room)) + "/>" + features.map { "<feature var='" + $0 + "'/>" }.joined()
      + "<x xmlns='" + StanzaNamespace.dataForms + "' type='result'>"
      + Session.field("FORM_TYPE", type: "hidden", "http://jabber.org/protocol/muc#roominfo")
      + Session.field("muc#roomconfig_roomname", label: "Title", title(of: room))
      + Session.field("muc#roominfo_subject", label: "Subject", room.subject)
      + Session.field("muc#roominfo_occupants", label: "Occupants", "\(count)") + "</x></query>"
  }

  static func field(_ name: String, type: String? = nil, label: String? = nil, _ value: String) -> String {
    "<field" + StanzaText.attribute("var", name) + StanzaText.attribute("type", type) + StanzaText.attribute("label", label)
      + "><value>" + XMLEscape.text(value) + "</value></field>"
  }

  /// §10.2: what an owner may change here.
  func configurationForm(_ room: SessionRoom) -> String {
    "<x xmlns='" + StanzaNamespace.dataForms + "' type='form'><title>" + XMLEscape.text("Configuration of " + room.name)
      + "</title>" + Session.field("FORM_TYPE", type: "hidden", "http://jabber.org/protocol/muc#roomconfig")
      + Session.field("muc#roomconfig_roomname", type: "text-single", label: "Title", room.title)
      + Session.field("muc#roomconfig_membersonly", type: "boolean", label: "Members only", room.membersOnly ? "1" : "0")
      + Session.field("muc#roomconfig_persistentroom", type: "boolean", label: "Kept when empty", "1")
      + Session.field(
        "muc#roomconfig_passwordprotectedroom", type: "boolean", label: "Password required", room.password.isEmpty ? "0" : "1")
      + Session.field("muc#roomconfig_roomsecret", type: "text-private", label: "Password", room.password) + "</x>"
  }

  /// A submitted form changes the title and access; an empty one accepts the defaults (an
  /// instant room, §10.1.2), a cancel changes nothing.
  mutating func configure(_ iq: XMLElement, _ room: SessionRoom, form: XMLElement?) {
    guard let form, form.attribute("type") == "submit" else {
      return form?.attribute("type") == "cancel" ? write(iqResult(iq, nil)) : bounce(iq, "bad-request")
    }
    var title = room.title
    var membersOnly = room.membersOnly
    var protected = !room.password.isEmpty
    var password = room.password
    for field in form.elements where field.name == "field" {
      let value = field.child("value")?.text
      switch field.attribute("var") {
      case "muc#roomconfig_roomname": title = value ?? ""
      case "muc#roomconfig_membersonly": membersOnly = value == "1" || value == "true"
      case "muc#roomconfig_passwordprotectedroom": protected = value == "1" || value == "true"
      case "muc#roomconfig_roomsecret": password = value ?? ""
      default: break
      }
    }
    // §10.2: protected needs a password; unprotected has none.
    if !protected { password = "" }
    guard !protected || !password.isEmpty else { return bounce(iq, "not-acceptable") }
    if password != room.password {
      switch backend.setRoomPassword(named: room.name, password) {
      case .done: break
      case .full: return bounce(iq, "not-acceptable")
      case .unavailable: return bounce(iq, "service-unavailable")
      }
    }
    switch backend.configureRoom(named: room.name, title: title, membersOnly: membersOnly) {
    case .done:
      write(iqResult(iq, nil))
      // §10.2: a room made members-only sends out who is not a member (322).
      if membersOnly != room.membersOnly { roomsChangedEverywhere() }
    case .full: bounce(iq, "not-acceptable")
    case .unavailable: bounce(iq, "service-unavailable")
    }
  }

  /// XEP-0082 date and time (`2026-12-07T18:00:00Z`, fractions and offsets allowed) as Unix
  /// seconds; nil when it is not one.
  static func unixTime(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    func number(_ range: Range<Int>) -> Int64? {
      guard range.upperBound <= bytes.count, range.allSatisfy({ (0x30...0x39).contains(bytes[$0]) }) else { return nil }
      return range.reduce(0) { $0 * 10 + Int64(bytes[$1] - 0x30) }
    }
    guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
      let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
      let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
      hour < 24, minute < 60, second < 61
    else { return nil }
    var index = 19
    if bytes[index] == 0x2E {
      index += 1
      while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
    }
    var offset: Int64 = 0
    if index == bytes.count - 1, bytes[index] == 0x5A {
      offset = 0
    } else if index == bytes.count - 6, bytes[index] == 0x2B || bytes[index] == 0x2D, bytes[index + 3] == 0x3A,
      let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6)
    {
      offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2B ? 1 : -1)
    } else {
      return nil
    }
    return CivilDate.days(year: year, month: Int(month), day: Int(day)) * 86400 + hour * 3600 + minute * 60 + second - offset
  }
}
