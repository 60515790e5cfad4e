/// An archive query as the client sends it (XEP-0313 §4.1): the data form's filters
/// (urn:xmpp:mam:2 and #extended), XEP-0059 paging and flip-page, read into what the backend
/// answers. Anything malformed is nil: bad-request.
struct ArchiveRequest: Equatable {
  static let dataForms = "jabber:x:data"
  static let resultSetManagement = "http://jabber.org/protocol/rsm"
  /// The most results one page holds; a bigger `max` (or none) gets this many.
  static let maximumPage = 100
  /// The most ids one `ids` field may name.
  static let maximumIDs = 100

  var queryID: String?
  /// The other side, as the client named it (its domain is checked by the caller).
  var with: JID?
  var start: Int64?
  var end: Int64?
  var afterID: String?
  var beforeID: String?
  var ids: [String]?
  var paging = SessionArchivePaging.forward(after: nil, offset: 0)
  var limit = ArchiveRequest.maximumPage
  var flipPage = false

  init?(_ query: XMLElement) {
    queryID = query.attribute("queryid")
    flipPage = query.child("flip-page", namespace: StanzaNamespace.mam) != nil
    if let form = query.child("x", namespace: ArchiveRequest.dataForms) {
      guard form.attribute("type") ?? "submit" == "submit", readForm(form) else { return nil }
    }
    if let set = query.child("set", namespace: ArchiveRequest.resultSetManagement) {
      guard readSet(set) else { return nil }
    }
  }

  /// The form's fields; an unknown field, a second value or one that does not parse: false.
  private mutating func readForm(_ form: XMLElement) -> Bool {
    for field in form.elements where field.name == "field" {
      let values = field.elements.filter { $0.name == "value" }.map { $0.text }
      guard let name = field.attribute("var") else { return false }
      if name == "ids" {
        guard values.count <= ArchiveRequest.maximumIDs, values.allSatisfy({ !$0.isEmpty }) else { return false }
        ids = values
        continue
      }
      guard values.count <= 1 else { return false }
      // An empty field is no filter (some clients send every field of the form).
      guard let value = values.first, !value.isEmpty else { continue }
      switch name {
      case "FORM_TYPE":
        guard value == StanzaNamespace.mam else { return false }
      case "with":
        guard let jid = JID(value) else { return false }
        with = jid
      case "start":
        guard let time = XEP0082Time.parse(value) else { return false }
        start = time
      case "end":
        guard let time = XEP0082Time.parse(value) else { return false }
        end = time
      case "after-id": afterID = value
      case "before-id": beforeID = value
      default: return false
      }
    }
    return true
  }

  /// XEP-0059 §2: max, after, before (empty: the last page), index.
  private mutating func readSet(_ set: XMLElement) -> Bool {
    if let max = set.child("max") {
      guard let value = Int(max.text), value >= 0 else { return false }
      limit = min(value, ArchiveRequest.maximumPage)
    }
    let after = set.child("after")
    let before = set.child("before")
    guard after == nil || before == nil else { return false }
    if let after {
      guard !after.text.isEmpty else { return false }
      paging = .forward(after: after.text, offset: 0)
    } else if let before {
      paging = .backward(before: before.text.isEmpty ? nil : before.text)
    } else if let index = set.child("index") {
      guard let value = Int(index.text), value >= 0 else { return false }
      paging = .forward(after: nil, offset: value)
    }
    return true
  }
}
