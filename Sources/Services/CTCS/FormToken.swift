#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Text
#endif

/// The web page's CSRF tokens: HMAC-SHA-256, under a secret kept in the store, of the form's
/// action and its torrent (0 for the add form), so a token taken from one form is refused by
/// every other, and a page from another site, which cannot read ours, cannot make one.
public struct FormToken {
  let secret: [UInt8]

  public init(secret: String) { self.secret = Array(secret.utf8) }

  public func token(action: String, torrent: Int64) -> String {
    Hex.lowercase(HMAC.sha256(key: secret, message: Array("\(action) \(torrent)".utf8)))
  }

  /// Compares in time independent of where the first difference is.
  public func accepts(_ candidate: String, action: String, torrent: Int64) -> Bool {
    let expected = Array(token(action: action, torrent: torrent).utf8)
    let given = Array(candidate.utf8)
    guard given.count == expected.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<expected.count { difference |= expected[index] ^ given[index] }
    return difference == 0
  }
}
