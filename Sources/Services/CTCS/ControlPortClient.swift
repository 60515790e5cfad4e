#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Who opened a connection to in.ctcs's port, from its first line, as the original Perl CTCS
/// served ctorrent and browsers on one port: ctorrent starts with `PROTOCOL 0003` (or AUTH,
/// CTORRENT), a browser with an HTTP request line (`GET /?torrent=3 HTTP/1.1`).
///
/// The server waits for that line before it says anything (ctorrent speaks first, and never
/// needs the server's PROTOCOL), so a browser is not sent a ctorrent line first.
public enum ControlPortClient: Equatable, Sendable {
  case ctorrent
  case browser

  /// The longest first line looked at: HTTP's request line limit (in.www's, 8 KiB) and more
  /// than any ctorrent line but an overlong one, which the session then refuses.
  public static let maximumFirstLine = 8192

  /// The RFC 9110 methods: a ctorrent message never starts with one of these words.
  static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

  /// The client BYTES (what arrived so far) come from, or nil while the first non-empty line is
  /// incomplete and fewer than `maximumFirstLine` bytes arrived. A browser's line is a method, a target
  /// and `HTTP/d.d` (a later version than 1.x is the HTTP server's to refuse); anything else
  /// is ctorrent's, whose session copes with lines it does not understand.
  public static func classify(_ bytes: ArraySlice<UInt8>) -> ControlPortClient? {
    let start = bytes.firstIndex { $0 != ASCII.cr && $0 != ASCII.lf } ?? bytes.endIndex
    let rest = bytes[start...]
    guard let end = rest.firstIndex(of: ASCII.lf) else {
      return bytes.count >= maximumFirstLine ? .ctorrent : nil
    }
    var line = rest[..<end]
    if line.last == ASCII.cr { line = line.dropLast() }
    let parts = line.split(separator: ASCII.space, omittingEmptySubsequences: false)
    guard parts.count == 3, methods.contains(where: { parts[0].elementsEqual($0.utf8) }), !parts[1].isEmpty else {
      return .ctorrent
    }
    let version = Array(parts[2])
    guard version.count == 8, version.prefix(5).elementsEqual("HTTP/".utf8), ASCII.isDigit(version[5]),
      version[6] == UInt8(ascii: "."), ASCII.isDigit(version[7])
    else { return .ctorrent }
    return .browser
  }
}
