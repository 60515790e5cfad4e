#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// An address (RFC 7622): `local@domain/resource`, local part and resource optional. The local
/// part and domain are kept in ASCII lower case (A-Z only), so `Alice@Home` and `alice@home` are
/// one user (the store matches names the same way: SQLite's NOCASE folds the same letters); the
/// resource is kept as sent.
public struct JID: Equatable, Hashable, Sendable, CustomStringConvertible {
  public var local: String
  public var domain: String
  public var resource: String

  public init(local: String, domain: String, resource: String = "") {
    self.local = ASCII.lowercased(local)
    self.domain = ASCII.lowercased(domain)
    self.resource = resource
  }

  /// nil when the text is not an address: empty domain, empty local part before `@`, empty
  /// resource after `/`, a part over 1023 bytes, or control characters.
  public init?(_ text: String) {
    guard !text.isEmpty, text.utf8.count <= 3071,
      text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
    else { return nil }
    var address = Substring(text)
    var resource = ""
    if let slash = address.firstIndex(of: "/") {
      resource = String(address[address.index(after: slash)...])
      guard !resource.isEmpty else { return nil }
      address = address[..<slash]
    }
    var local = ""
    if let at = address.firstIndex(of: "@") {
      local = String(address[..<at])
      guard !local.isEmpty else { return nil }
      address = address[address.index(after: at)...]
    }
    let domain = String(address)
    guard !domain.isEmpty, !domain.contains("@"), local.utf8.count <= 1023, domain.utf8.count <= 1023,
      resource.utf8.count <= 1023
    else { return nil }
    self.init(local: local, domain: domain, resource: resource)
  }

  public var bare: JID { JID(local: local, domain: domain) }
  public var isBare: Bool { resource.isEmpty }

  public var description: String {
    var text = local.isEmpty ? domain : local + "@" + domain
    if !resource.isEmpty { text += "/" + resource }
    return text
  }
}
