/// SCRAM's hash functions (RFC 5802 §2.2, RFC 7677) and the credential a server keeps of a
/// password (RFC 5802 §3): salt, iteration count, StoredKey and ServerKey. With them a server
/// checks a SCRAM proof without the password, and a password given in the clear (SASL PLAIN,
/// jabber:iq:auth) by deriving StoredKey again from the same salt and iterations.
public enum SCRAMHash: Sendable {
  case sha1, sha256

  public var mechanism: String {
    switch self {
    case .sha1: "SCRAM-SHA-1"
    case .sha256: "SCRAM-SHA-256"
    }
  }

  public func hash(_ bytes: [UInt8]) -> [UInt8] {
    switch self {
    case .sha1: SHA1.hash(bytes)
    case .sha256: SHA256.hash(bytes)
    }
  }

  public func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
    switch self {
    case .sha1: HMAC.sha1(key: key, message: message)
    case .sha256: HMAC.sha256(key: key, message: message)
    }
  }

  public func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
    switch self {
    case .sha1: PBKDF2.sha1(password: password, salt: salt, iterations: iterations)
    case .sha256: PBKDF2.sha256(password: password, salt: salt, iterations: iterations)
    }
  }

  /// The credential of `password` with this salt and iteration count: one PBKDF2 and three
  /// hashes, the work a server does once when a password is set (and again to check a
  /// password sent in the clear).
  public func keys(password: String, salt: [UInt8], iterations: Int) -> SCRAMKeys {
    let salted = pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations)
    let clientKey = hmac(key: salted, message: Array("Client Key".utf8))
    return SCRAMKeys(
      salt: salt, iterations: iterations, storedKey: hash(clientKey),
      serverKey: hmac(key: salted, message: Array("Server Key".utf8)))
  }
}

/// One SCRAM credential as RFC 5802 §3 has the server store it; the password cannot be had
/// from it but by guessing (each guess costing `iterations` HMACs).
public struct SCRAMKeys: Equatable, Sendable {
  public var salt: [UInt8]
  public var iterations: Int
  /// H(HMAC(SaltedPassword, "Client Key")).
  public var storedKey: [UInt8]
  /// HMAC(SaltedPassword, "Server Key").
  public var serverKey: [UInt8]

  public init(salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
    self.salt = salt
    self.iterations = iterations
    self.storedKey = storedKey
    self.serverKey = serverKey
  }

  /// Whether `password` is the one these keys were made from: derived again with the same salt
  /// and iterations, StoredKey compared in constant time.
  public func matches(_ password: String, hash: SCRAMHash) -> Bool {
    ConstantTime.equals(hash.keys(password: password, salt: salt, iterations: iterations).storedKey, storedKey)
  }
}
