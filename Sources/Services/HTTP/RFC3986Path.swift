#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 3986 §2.1, §5.2.4 and RFC 9112 §3.2: the path of a request target, made safe to join to
/// a document root.
public enum RequestPath {
  /// The target's path split on '/', each segment percent-decoded after splitting (so "%2F"
  /// cannot make a separator: a decoded '/' is refused), empty and "." segments dropped, ".."
  /// popping the one before. Nil for: a target that is neither origin-form ("/...") nor
  /// absolute-form ("http://host/..."), a bad escape, a decoded NUL or '/', a segment that is
  /// not UTF-8, or ".." past the root (the caller answers 400 or 403). The query is the raw
  /// text after the first '?'; a fragment is dropped. `trailingSlash` is true when the path
  /// ends in '/', "." or ".." (and for "/" itself).
  public static func segments(of target: String) -> (segments: [String], query: String?, trailingSlash: Bool)? {
    var bytes = Array(target.utf8)[...]
    if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes = bytes[..<hash] }
    if bytes.first != UInt8(ascii: "/") {
      guard let schemeEnd = absoluteFormPathStart(bytes) else { return nil }
      bytes = bytes[schemeEnd...]
    }
    var query: String? = nil
    if let mark = bytes.firstIndex(of: UInt8(ascii: "?")) {
      query = String(decoding: bytes[(mark + 1)...], as: UTF8.self)
      bytes = bytes[..<mark]
    }
    if bytes.isEmpty { return ([], query, true) }  // "http://host" or "http://host?q"
    var segments: [String] = []
    var trailingSlash = false
    for raw in bytes.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
      guard let decoded = percentDecode(raw) else { return nil }
      if decoded.isEmpty || decoded == [UInt8(ascii: ".")] {
        trailingSlash = true
      } else if decoded == [UInt8(ascii: "."), UInt8(ascii: ".")] {
        if segments.isEmpty { return nil }
        segments.removeLast()
        trailingSlash = true
      } else {
        guard let segment = String(validating: decoded, as: UTF8.self) else { return nil }
        segments.append(segment)
        trailingSlash = false
      }
    }
    return (segments, query, trailingSlash)
  }

  /// Where the path starts in "http://host..." or "https://host...", or nil.
  private static func absoluteFormPathStart(_ bytes: ArraySlice<UInt8>) -> Int? {
    let separator: [UInt8] = Array("://".utf8)
    var index = bytes.startIndex
    while index < bytes.endIndex, bytes[index] != UInt8(ascii: ":") { index += 1 }
    let scheme = bytes[bytes.startIndex..<index]
    guard ASCII.equalsIgnoringCase(scheme, "http") || ASCII.equalsIgnoringCase(scheme, "https"),
      bytes[index...].starts(with: separator)
    else { return nil }
    var end = index + separator.count
    while end < bytes.endIndex, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?") { end += 1 }
    return end
  }

  /// Decodes every %XX; nil for a bad escape or a decoded NUL or '/'.
  static func percentDecode(_ raw: ArraySlice<UInt8>) -> [UInt8]? {
    var decoded: [UInt8] = []
    decoded.reserveCapacity(raw.count)
    var index = raw.startIndex
    while index < raw.endIndex {
      var byte = raw[index]
      if byte == UInt8(ascii: "%") {
        guard index + 2 < raw.endIndex, let high = ASCII.hexValue(raw[index + 1]), let low = ASCII.hexValue(raw[index + 2])
        else { return nil }
        byte = high << 4 | low
        index += 3
      } else {
        index += 1
      }
      if byte == 0 || byte == UInt8(ascii: "/") { return nil }
      decoded.append(byte)
    }
    return decoded
  }
}

public enum URLEncoding {
  /// Percent-encodes everything but the unreserved characters (RFC 3986 §2.3) and '/', so a
  /// file name (or a path) can go into a link, and into an HTML attribute, as it is.
  public static func percentEncodePath(_ name: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(name.utf8.count)
    for byte in name.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
        UInt8(ascii: "~"), UInt8(ascii: "/"):
        bytes.append(byte)
      default:
        bytes += [UInt8(ascii: "%"), ASCII.hexDigit(Int(byte >> 4)), ASCII.hexDigit(Int(byte & 15))]
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

public enum HTML {
  /// & < > " ' as character references, for text and attribute values.
  public static func escape(_ text: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "&"): bytes += "&amp;".utf8
      case UInt8(ascii: "<"): bytes += "&lt;".utf8
      case UInt8(ascii: ">"): bytes += "&gt;".utf8
      case UInt8(ascii: "\""): bytes += "&quot;".utf8
      case UInt8(ascii: "'"): bytes += "&#39;".utf8
      default: bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
