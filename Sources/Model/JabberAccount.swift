/// A jabber account as the store keeps it: SCRAM credentials for SHA-1 and SHA-256 (RFC 5802
/// §3, RFC 7677), never the password itself. A password given in the clear (SASL PLAIN,
/// jabber:iq:auth) is checked by deriving StoredKey again from the stored salt and iterations.
///
/// `legacyPassword` is the password itself, kept only for an account marked legacy: the
/// XEP-0078 digest (SHA-1 of stream id + password) and the original in.jabberd.conf need
/// it, and anyone who reads the store (every process in group slug) can then log in as that
/// user. Everyone else's password can only be guessed, each guess costing a PBKDF2.
public struct JabberAccount: Hashable, Sendable {
  public var name: String
  public var sha1: JabberCredential
  public var sha256: JabberCredential
  public var legacyPassword: String?

  public init(name: String, sha1: JabberCredential, sha256: JabberCredential, legacyPassword: String? = nil) {
    self.name = name
    self.sha1 = sha1
    self.sha256 = sha256
    self.legacyPassword = legacyPassword
  }

  public var isLegacy: Bool { legacyPassword != nil }

  /// RFC 7677 §4 asks for at least 4096; the store refuses fewer.
  public static let minimumIterations = 4096
}

/// One SCRAM credential: salt, iteration count, StoredKey, ServerKey (RFC 5802 §3).
public struct JabberCredential: Hashable, Sendable {
  public var salt: [UInt8]
  public var iterations: Int
  public var storedKey: [UInt8]
  public var serverKey: [UInt8]

  public init(salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
    self.salt = salt
    self.iterations = iterations
    self.storedKey = storedKey
    self.serverKey = serverKey
  }
}
