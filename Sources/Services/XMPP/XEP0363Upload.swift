#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0363 HTTP File Upload at upload.DOMAIN, as prosody and ejabberd have it: the server's
/// disco#items lists the service, its disco#info says store/file, urn:xmpp:http:upload:0 and
/// the largest file (§3, a XEP-0128 form), and a `<request filename size content-type>` gets a
/// slot (§4) or the XEP's errors (§5). The backend records the slot and signs its URL
/// (Crypto's UploadToken); in.www takes the PUT and serves the GET.
public protocol SessionUploadBackend {
  /// nil: no upload service here (no store, no upload secret), so none is advertised.
  func uploadLimits() -> SessionUploadLimits?
  /// Records the slot and makes its URLs.
  mutating func grantUpload(_ request: SessionUploadRequest, now: Int64) -> SessionUploadGrant
}

extension SessionUploadBackend {
  public func uploadLimits() -> SessionUploadLimits? { nil }
  public mutating func grantUpload(_ request: SessionUploadRequest, now: Int64) -> SessionUploadGrant { .unavailable }
}

public struct SessionUploadLimits: Equatable, Sendable {
  /// Bytes per file.
  public var maximumSize: Int64
  public init(maximumSize: Int64) { self.maximumSize = maximumSize }
}

/// A slot request as checked: a file name that is only a name, a size within the limit.
public struct SessionUploadRequest: Equatable, Sendable {
  /// The account (the JID's local part).
  public var user: String
  public var fileName: String
  public var size: Int64
  /// `application/octet-stream` when the client named none.
  public var contentType: String
  /// The XMPP domain, for a URL with no base configured.
  public var domain: String
  public init(user: String, fileName: String, size: Int64, contentType: String, domain: String) {
    self.user = user
    self.fileName = fileName
    self.size = size
    self.contentType = contentType
    self.domain = domain
  }
}

public enum SessionUploadGrant: Equatable, Sendable {
  /// The URLs (the same capability: in.www takes one PUT, then serves GETs until expiry).
  case slot(put: String, get: String)
  /// The user's quota or slot count is reached.
  case quota
  case unavailable
}

extension Session {
  static var uploadNamespace: String { "urn:xmpp:http:upload:0" }

  var uploadDomain: String { "upload." + domain }

  /// The server's disco#items: the room service, and the upload service when there is one.
  var serviceItems: String {
    guard backend.uploadLimits() != nil else { return roomServiceItem }
    // roomServiceItem is a whole <query/>: the upload item goes before its end tag.
    return String(roomServiceItem.dropLast("</query>".count)) + "<item" + StanzaText.attribute("jid", uploadDomain)
      + " name='HTTP File Upload'/></query>"
  }

  mutating func uploadIQ(_ iq: XMLElement, to address: JID) {
    guard let payload = iq.elements.first else { return }
    guard address.local.isEmpty, address.isBare, let limits = backend.uploadLimits() else {
      return bounce(iq, "service-unavailable")
    }
    let isGet = iq.attribute("type") == "get"
    switch (payload.namespace, payload.name) {
    case (StanzaNamespace.discoInfo, "query") where isGet:
      write(
        iqResult(
          iq,
          "<query xmlns='" + StanzaNamespace.discoInfo + "'><identity category='store' type='file' name='HTTP File Upload'/>"
            + [StanzaNamespace.discoInfo, StanzaNamespace.discoItems, Session.uploadNamespace].map { "<feature var='" + $0 + "'/>" }
            .joined() + "<x xmlns='" + StanzaNamespace.dataForms + "' type='result'>"
            + Session.field("FORM_TYPE", type: "hidden", Session.uploadNamespace)
            + Session.field("max-file-size", "\(limits.maximumSize)") + "</x></query>"))
    case (StanzaNamespace.discoItems, "query") where isGet:
      write(iqResult(iq, "<query xmlns='" + StanzaNamespace.discoItems + "'/>"))
    case (StanzaNamespace.ping, "ping") where isGet:
      write(iqResult(iq, nil))
    case (Session.uploadNamespace, "request") where isGet:
      requestSlot(iq, payload, limits: limits)
    default:
      bounce(iq, "service-unavailable")
    }
  }

  /// §4: a slot, or §5's errors; every refusal says why in its `<text>`.
  mutating func requestSlot(_ iq: XMLElement, _ request: XMLElement, limits: SessionUploadLimits) {
    guard let jid else { return }
    guard let sizeText = request.attribute("size"), let size = Int64(sizeText), size >= 0,
      sizeText.utf8.allSatisfy({ (0x30...0x39).contains($0) })
    else {
      return refuseSlot(iq, "bad-request", text: "the size must be a whole number of bytes")
    }
    guard let fileName = request.attribute("filename"), Session.isPlainFileName(fileName) else {
      return refuseSlot(iq, "not-acceptable", text: "the file name must be a name alone, without / or control characters")
    }
    var contentType = request.attribute("content-type") ?? ""
    if contentType.isEmpty { contentType = "application/octet-stream" }
    guard Session.isContentType(contentType) else {
      return refuseSlot(iq, "bad-request", text: "the content type is not a MIME type")
    }
    guard size <= limits.maximumSize else {
      return refuseSlot(
        iq, "not-acceptable", text: "file too large: at most \(limits.maximumSize) bytes",
        extra: "<file-too-large xmlns='" + Session.uploadNamespace + "'><max-file-size>\(limits.maximumSize)</max-file-size></file-too-large>")
    }
    let slot = SessionUploadRequest(user: jid.local, fileName: fileName, size: size, contentType: contentType, domain: domain)
    switch backend.grantUpload(slot, now: now) {
    case .slot(let put, let get):
      write(
        iqResult(
          iq,
          "<slot xmlns='" + Session.uploadNamespace + "'><put" + StanzaText.attribute("url", put) + "/><get"
            + StanzaText.attribute("url", get) + "/></slot>"))
    case .quota:
      refuseSlot(iq, "resource-constraint", text: "upload quota reached: wait for older files to expire")
    case .unavailable:
      refuseSlot(iq, "internal-server-error", text: "the upload service cannot take files now")
    }
  }

  mutating func refuseSlot(_ iq: XMLElement, _ condition: String, text: String, extra: String = "") {
    write(
      "<iq type='error'" + StanzaText.attribute("id", iq.attribute("id")) + StanzaText.attribute("from", iq.attribute("to"))
        + StanzaText.attribute("to", jid?.description) + "><error type='" + StanzaText.errorType(of: condition) + "'><"
        + condition + " xmlns='" + StanzaNamespace.stanzaErrors + "'/><text xmlns='" + StanzaNamespace.stanzaErrors + "'>"
        + XMLEscape.text(text) + "</text>" + extra + "</error></iq>")
  }

  /// A name to show, never a path: 1 to 255 bytes, no `/`, `\`, control characters, nor `.`
  /// or `..` alone. in.www never uses it as a file name anyway (UploadToken).
  static func isPlainFileName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard !bytes.isEmpty, bytes.count <= 255, name != ".", name != ".." else { return false }
    return !bytes.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") }
  }

  /// `type/subtype` and parameters in printable ASCII, at most 128 bytes: it becomes a
  /// Content-Type header, so no byte may end or fold it.
  static func isContentType(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count <= 128, let slash = bytes.firstIndex(of: UInt8(ascii: "/")), slash > 0, slash < bytes.count - 1
    else { return false }
    return bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
  }
}
