#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 5321 §4.1.2 paths, narrowed to what can safely become a sendmail argument.
///
/// The address is handed to sendmail as an argv element (no shell), but the mailer behind it
/// may pass it on to one, so anything beyond the plain dot-atom characters is refused:
/// a leading `-` (it would read as an option), white space, quotes, backticks, `$`, `;`, `|`,
/// `&`, brackets, control and non-ASCII bytes. Quoted local parts and address literals are
/// refused too; `postmaster` alone is the one address without a domain (§4.5.1).
public enum SMTPAddress {
  public static let maximumLength = 254
  public static let maximumLocalPart = 64

  /// Why an address was refused, as the text of a 553 reply.
  public enum Problem: Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong
    case leadingDash
    case forbiddenByte(UInt8)
    case noDomain
    case badLocalPart
    case badDomain

    public var description: String {
      switch self {
      case .empty: "empty address"
      case .tooLong: "address longer than \(SMTPAddress.maximumLength) bytes"
      case .leadingDash: "an address may not start with '-'"
      case .forbiddenByte(let byte):
        ASCII.isVisible(byte)
          ? "character '\(String(decoding: [byte], as: UTF8.self))' not allowed in an address"
          : "byte 0x\(Hex.uppercase([byte])) not allowed in an address"
      case .noDomain: "address needs a domain (user@domain)"
      case .badLocalPart: "malformed local part"
      case .badDomain: "malformed domain"
      }
    }

  }

  /// Checks `address` (without angle brackets); nil when it is acceptable.
  public static func problem(with address: [UInt8]) -> Problem? {
    guard !address.isEmpty else { return .empty }
    guard address.count <= maximumLength else { return .tooLong }
    guard address[0] != UInt8(ascii: "-") else { return .leadingDash }
    for byte in address where !isAllowed(byte) { return .forbiddenByte(byte) }
    guard let at = address.lastIndex(of: UInt8(ascii: "@")) else {
      return ASCII.equalsIgnoringCase(address, "postmaster") ? nil : .noDomain
    }
    let local = address[..<at]
    let domain = address[(at + 1)...]
    guard !local.isEmpty, local.count <= maximumLocalPart, !local.contains(UInt8(ascii: "@")),
      local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".")
    else { return .badLocalPart }
    guard isDomain(domain) else { return .badDomain }
    return nil
  }

  /// The domain of `address`, lower-cased; nil for `postmaster`.
  public static func domain(of address: [UInt8]) -> [UInt8]? {
    guard let at = address.lastIndex(of: UInt8(ascii: "@")) else { return nil }
    return address[(at + 1)...].map(ASCII.lower)
  }

  /// `domain` is one of `domains` or below one of them (`lan` covers `pc.lan`).
  public static func domain(_ domain: [UInt8], isIn domains: [[UInt8]]) -> Bool {
    domains.contains { listed in
      domain == listed
        || (domain.count > listed.count && domain.suffix(listed.count).elementsEqual(listed)
          && domain[domain.count - listed.count - 1] == UInt8(ascii: "."))
    }
  }

  /// Letters, digits, dot, hyphen, and `_ + = % /` (sub-addresses, VERP, X.400 gateways).
  static func isAllowed(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      true
    case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "="),
      UInt8(ascii: "%"), UInt8(ascii: "/"), UInt8(ascii: "@"):
      true
    default:
      false
    }
  }

  static func isDomain(_ domain: ArraySlice<UInt8>) -> Bool {
    guard !domain.isEmpty, domain.count <= 253 else { return false }
    for label in domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
      guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-")
      else { return false }
      for byte in label
      where !(ASCII.isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")) {
        return false
      }
    }
    return true
  }
}
