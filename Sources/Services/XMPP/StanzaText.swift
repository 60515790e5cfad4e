#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The stanzas and stream elements the server writes, as text.
public enum StanzaNamespace {
  public static let client = "jabber:client"
  public static let stream = "http://etherx.jabber.org/streams"
  public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
  public static let stanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
  public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
  public static let bind = "urn:ietf:params:xml:ns:xmpp-bind"
  public static let session = "urn:ietf:params:xml:ns:xmpp-session"
  public static let legacyAuth = "jabber:iq:auth"
  public static let legacyAuthFeature = "http://jabber.org/features/iq-auth"
  public static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
  public static let channelBinding = "urn:xmpp:sasl-cb:0"
  public static let roster = "jabber:iq:roster"
  public static let discoInfo = "http://jabber.org/protocol/disco#info"
  public static let discoItems = "http://jabber.org/protocol/disco#items"
  public static let version = "jabber:iq:version"
  public static let ping = "urn:xmpp:ping"
  public static let vCard = "vcard-temp"
  public static let privacy = "jabber:iq:privacy"
  public static let blocking = "urn:xmpp:blocking"
  public static let delay = "urn:xmpp:delay"
  public static let streamManagement = "urn:xmpp:sm:3"
  public static let clientState = "urn:xmpp:csi:0"
  public static let carbons = "urn:xmpp:carbons:2"
  public static let forward = "urn:xmpp:forward:0"
  public static let mam = "urn:xmpp:mam:2"
  public static let stanzaID = "urn:xmpp:sid:0"
  public static let hints = "urn:xmpp:hints"
}

public enum StanzaText {
  /// ` name='value'`, the value escaped; nothing when the value is nil.
  public static func attribute(_ name: String, _ value: String?) -> String {
    guard let value else { return "" }
    return " " + name + "='" + XMLEscape.attribute(value) + "'"
  }

  /// A stanza error (RFC 6120 §8.3) in reply to `name` (iq, message, presence) with that id.
  public static func error(
    _ name: String, id: String?, from: String?, to: String?, type: String, condition: String,
    code: String? = nil
  ) -> String {
    "<" + name + " type='error'" + attribute("id", id) + attribute("from", from) + attribute("to", to)
      + "><error type='" + type + "'" + attribute("code", code) + "><" + condition + " xmlns='"
      + StanzaNamespace.stanzaErrors + "'/></error></" + name + ">"
  }

  /// The error type RFC 6120 §8.3.3 gives each condition.
  public static func errorType(of condition: String) -> String {
    switch condition {
    case "bad-request", "jid-malformed", "not-acceptable", "unexpected-request": return "modify"
    case "not-authorized", "forbidden": return "auth"
    case "resource-constraint", "internal-server-error": return "wait"
    default: return "cancel"
    }
  }

  /// `xml` (which starts with `<name`) with `from` and `to` added to its start tag. The stanzas
  /// passed between processes carry neither; the receiver stamps them.
  public static func stamped(_ xml: String, from: String?, to: String?) -> String {
    let utf8 = Array(xml.utf8)
    var end = 1
    while end < utf8.count, utf8[end] != 0x20, utf8[end] != 0x3E, utf8[end] != 0x2F,
      utf8[end] != 0x09, utf8[end] != 0x0A, utf8[end] != 0x0D
    {
      end += 1
    }
    let head = String(decoding: utf8[..<end], as: UTF8.self)
    let rest = String(decoding: utf8[end...], as: UTF8.self)
    return head + attribute("from", from) + attribute("to", to) + rest
  }

  /// `element` without the named attributes.
  public static func removing(_ names: [String], from element: XMLElement) -> XMLElement {
    var copy = element
    copy.attributes.removeAll { names.contains($0.name) }
    return copy
  }

  /// `xml` (a serialised element) with `child` added as its last child.
  public static func appending(_ child: String, to xml: String) -> String {
    if xml.hasSuffix("/>") {
      // Self-closing: <message .../> becomes <message ...>child</message>.
      let utf8 = Array(xml.utf8)
      var nameEnd = 1
      while nameEnd < utf8.count, utf8[nameEnd] != 0x20, utf8[nameEnd] != 0x2F, utf8[nameEnd] != 0x3E {
        nameEnd += 1
      }
      let name = String(decoding: utf8[1..<nameEnd], as: UTF8.self)
      return String(decoding: utf8[..<(utf8.count - 2)], as: UTF8.self) + ">" + child + "</" + name + ">"
    }
    guard let close = xml.utf8.lastIndex(of: 0x3C) else { return xml }
    return String(xml[..<close]) + child + String(xml[close...])
  }

  /// XEP-0082 date-time in UTC: `2026-11-27T23:48:38Z`.
  public static func timestamp(_ unixSeconds: Int64) -> String {
    let date = CivilDate(unixSeconds: unixSeconds)
    func two(_ value: Int) -> String { CivilDate.digits(Int64(value), 2) }
    return CivilDate.digits(date.year, 4) + "-" + two(date.month) + "-" + two(date.day) + "T"
      + two(date.hour) + ":" + two(date.minute) + ":" + two(date.second) + "Z"
  }
}
