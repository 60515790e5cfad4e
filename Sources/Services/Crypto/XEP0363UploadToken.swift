/// The capability in an HTTP upload slot's URL (XEP-0363): in.jabberd signs what it granted,
/// in.www checks it, and neither asks the store. So in.www starts as it always did, without
/// SQLite, and a slot is valid exactly when its URL carries an HMAC-SHA-256, under the upload
/// secret both daemons read (`upload.key` beside the store), over everything in.www acts on:
///
///     /upload/ID.EXPIRY.SIZE.TYPE.MAC/NAME
///
/// ID 32 hex digits (16 random bytes, also the stored file's name with EXPIRY), EXPIRY the
/// Unix time after which the slot is void, SIZE the bytes the PUT must carry, TYPE the content
/// type in hex (it may hold `/`, which a path segment may not), MAC 64 hex digits. NAME is the
/// client's file name percent-encoded: it only labels the download (Content-Disposition) and
/// never names a file on disk.
public struct UploadToken: Equatable, Sendable {
  public var id: String
  public var expiry: Int64
  public var size: Int64
  public var contentType: String
  public var fileName: String

  public init(id: String, expiry: Int64, size: Int64, contentType: String, fileName: String) {
    self.id = id
    self.expiry = expiry
    self.size = size
    self.contentType = contentType
    self.fileName = fileName
  }

  /// The first path segment of every upload URL.
  public static let prefix = "upload"
  /// Longest content type a slot may carry (its hex doubles it in the URL).
  public static let maximumContentType = 128
  /// Longest file name, in bytes (its percent-encoding may triple it).
  public static let maximumFileName = 255

  /// `ID.EXPIRY.SIZE.TYPE` : what the MAC covers, with the name.
  var fields: String {
    id + "." + String(expiry) + "." + String(size) + "." + UploadToken.hex(Array(contentType.utf8))
  }

  public func mac(key: [UInt8]) -> String {
    UploadToken.hex(HMAC.sha256(key: key, message: Array(("slug upload slot\n" + fields + "\n" + fileName).utf8)))
  }

  /// The path of the slot's URL (PUT and GET alike), from `/`.
  public func path(key: [UInt8]) -> String {
    "/" + UploadToken.prefix + "/" + fields + "." + mac(key: key) + "/" + UploadToken.percentEncoded(fileName)
  }

  /// The file in the upload directory: no client text in it, and its expiry first so a sweep
  /// reads it from the name.
  public var storedName: String { String(expiry) + "-" + id }

  /// The token of an upload URL's two decoded segments (`ID.EXPIRY.SIZE.TYPE.MAC`, NAME), when
  /// its MAC is right; nil for anything else, forged or altered.
  public static func verify(_ token: String, fileName: String, key: [UInt8]) -> UploadToken? {
    // Bytes throughout: in.www carries no Unicode tables (docs/design.md, "Text as bytes").
    let bytes = Array(token.utf8)
    let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 5, parts[0].count == 32, parts[0].allSatisfy(isLowerHex), let expiry = number(parts[1]),
      let size = number(parts[2]), let type = unhex(parts[3]), let contentType = String(validating: type, as: UTF8.self),
      parts[4].count == 64
    else { return nil }
    let candidate = UploadToken(
      id: String(decoding: parts[0], as: UTF8.self), expiry: expiry, size: size, contentType: contentType, fileName: fileName)
    // Rebuilt from the parsed values, so a second spelling of a number ("05") is no second
    // valid token.
    guard Array(candidate.fields.utf8) + [UInt8(ascii: ".")] + parts[4] == bytes else { return nil }
    guard ConstantTime.equals(Array(candidate.mac(key: key).utf8), Array(parts[4])) else { return nil }
    return candidate
  }

  /// Decimal digits alone (no sign), at most 18 of them.
  static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
    else { return nil }
    return digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
  }

  /// RFC 3986 §2.1: everything but the unreserved characters escaped.
  public static func percentEncoded(_ text: String) -> String {
    var out: [UInt8] = []
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(byte)
      default:
        out += [UInt8(ascii: "%"), hexDigit(byte >> 4, upper: true), hexDigit(byte & 15, upper: true)]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  static func hex(_ bytes: [UInt8]) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes { out += [hexDigit(byte >> 4, upper: false), hexDigit(byte & 15, upper: false)] }
    return String(decoding: out, as: UTF8.self)
  }

  static func hexDigit(_ value: UInt8, upper: Bool) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : (upper ? UInt8(ascii: "A") : UInt8(ascii: "a")) + value - 10
  }

  static func isLowerHex(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
  }

  static func unhex(_ text: ArraySlice<UInt8>) -> [UInt8]? {
    let digits = Array(text)
    guard digits.count % 2 == 0, digits.allSatisfy(isLowerHex) else { return nil }
    func value(_ digit: UInt8) -> UInt8 { digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : digit - UInt8(ascii: "a") + 10 }
    return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
  }
}
