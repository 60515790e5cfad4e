#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Store
#endif

/// What slugctl makes of a jabber password before the store sees it: SCRAM-SHA-1 and
/// SCRAM-SHA-256 credentials (RFC 5802 §3, RFC 7677), each with a fresh random salt and
/// `iterations` rounds, and the password itself only for an account marked legacy.
enum JabberPasswords {
  /// RFC 7677's minimum, and what every common client expects; more would slow each PLAIN
  /// login (which derives again) on a small box.
  static let iterations = JabberAccount.minimumIterations

  /// The error is the store's own (invalid), so it is reported as a store's refusal is, and an
  /// import can point at the line the way it does for the store's.
  static func account(name: String, password: String, legacy: Bool) throws(StoreError) -> JabberAccount {
    // The message leaves the password out: it may end up in a log.
    guard JabberUser.isValidPassword(password) else {
      throw StoreError.invalid(
        "invalid password for jabber user '\(name)': 1-1023 bytes, no spaces or control characters")
    }
    return JabberAccount(
      name: name, sha1: credential(.sha1, password), sha256: credential(.sha256, password),
      legacyPassword: legacy ? password : nil)
  }

  /// Migration 8's hasher: a user of the old plaintext table becomes an account that is not
  /// legacy (the store drops the plaintext; `passwd --legacy` marks one again).
  static func hashing(_ user: JabberUser) -> JabberAccount {
    JabberAccount(name: user.name, sha1: credential(.sha1, user.password), sha256: credential(.sha256, user.password))
  }

  /// Whether `password` is the account's (derived with its SHA-256 salt and iterations).
  static func matches(_ account: JabberAccount, _ password: String) -> Bool {
    let stored = account.sha256
    let keys = SCRAMKeys(salt: stored.salt, iterations: stored.iterations, storedKey: stored.storedKey, serverKey: stored.serverKey)
    return keys.matches(password, hash: .sha256)
  }

  private static func credential(_ hash: SCRAMHash, _ password: String) -> JabberCredential {
    var generator = SystemRandomNumberGenerator()
    let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let keys = hash.keys(password: password, salt: salt, iterations: iterations)
    return JabberCredential(salt: keys.salt, iterations: keys.iterations, storedKey: keys.storedKey, serverKey: keys.serverKey)
  }
}
