#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Text
#endif

/// XEP-0078 digest authentication: lowercase hex SHA-1 of the stream id followed by the password.
public enum LegacyAuthDigest {
  public static func digest(streamID: String, password: String) -> String {
    Hex.lowercase(SHA1.hash(Array(streamID.utf8) + Array(password.utf8)))
  }
}
