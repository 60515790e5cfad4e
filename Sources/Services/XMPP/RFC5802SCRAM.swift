#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), server side, without channel binding.
///
/// The store keeps plaintext passwords, so the salted password is derived at each login from
/// a fresh salt; the caller passes a random password for an unknown user, so that user fails
/// exactly like a wrong password, after the same work.
///
/// Decisions:
/// - gs2 flag "n" or "y" accepted ("y": the client could bind but believes we cannot, which is
///   true: no -PLUS mechanism is offered); "p=" is refused (malformed-request).
/// - An authorization identity is accepted; the caller checks it against the user.
/// - "m=" (reserved mandatory extension) is refused; other extensions are ignored.
/// - User names are taken as sent (SASLprep is the identity on ASCII), "=2C" and "=3D" decoded,
///   any other "=" refused.
public enum SCRAMHash: Sendable {
  case sha1, sha256

  public var mechanism: String {
    switch self {
    case .sha1: "SCRAM-SHA-1"
    case .sha256: "SCRAM-SHA-256"
    }
  }

  func hash(_ bytes: [UInt8]) -> [UInt8] {
    switch self {
    case .sha1: SHA1.hash(bytes)
    case .sha256: SHA256.hash(bytes)
    }
  }

  func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
    switch self {
    case .sha1: HMAC.sha1(key: key, message: message)
    case .sha256: HMAC.sha256(key: key, message: message)
    }
  }

  func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
    switch self {
    case .sha1: PBKDF2.sha1(password: password, salt: salt, iterations: iterations)
    case .sha256: PBKDF2.sha256(password: password, salt: salt, iterations: iterations)
    }
  }
}

public struct SCRAMServer {
  public let hash: SCRAMHash
  public let serverNonce: String
  public let salt: [UInt8]
  public let iterations: Int
  /// The authorization identity the client named ("a="), if any.
  public private(set) var authorizationID: String?

  private var gs2Header: [UInt8] = []
  private var clientFirstBare: [UInt8] = []
  private var nonce: [UInt8] = []
  private var serverFirst: [UInt8] = []
  private var saltedPassword: [UInt8] = []

  public init(hash: SCRAMHash, serverNonce: String, salt: [UInt8], iterations: Int = 4096) {
    self.hash = hash
    self.serverNonce = serverNonce
    self.salt = salt
    self.iterations = iterations
  }

  /// client-first-message -> the user name.
  public mutating func receiveClientFirst(_ message: [UInt8]) throws(SASLFailure) -> String {
    guard message.count <= 4096, String(validating: message, as: UTF8.self) != nil else { throw SASLFailure.malformed }
    let fields = message.split(separator: Character.comma, omittingEmptySubsequences: false)
    guard fields.count >= 4 else { throw SASLFailure.malformed }
    switch Array(fields[0]) {
    case [0x6E], [0x79]: break  // "n", "y"
    default: throw SASLFailure.malformed
    }
    if !fields[1].isEmpty {
      guard fields[1].starts(with: [0x61, 0x3D]) else { throw SASLFailure.malformed }  // "a="
      authorizationID = try SCRAMServer.saslName(fields[1].dropFirst(2))
    }
    gs2Header = Array(message[..<fields[2].startIndex])
    clientFirstBare = Array(message[fields[2].startIndex...])
    guard fields[2].starts(with: [0x6E, 0x3D]), fields[3].starts(with: [0x72, 0x3D]), fields[3].count > 2,
      !fields[3].contains(where: { $0 < 0x21 || $0 > 0x7E })
    else { throw SASLFailure.malformed }  // "n=", "r=" (printable nonce)
    let user = try SCRAMServer.saslName(fields[2].dropFirst(2))
    guard !user.isEmpty else { throw SASLFailure.malformed }
    nonce = Array(fields[3].dropFirst(2)) + Array(serverNonce.utf8)
    return user
  }

  /// server-first-message for that user's password.
  public mutating func serverFirst(password: String) -> [UInt8] {
    saltedPassword = hash.pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations)
    serverFirst = Array("r=".utf8) + nonce + Array(",s=".utf8) + Array(Base64.encode(salt).utf8)
      + Array(",i=".utf8) + Array(String(iterations).utf8)
    return serverFirst
  }

  /// client-final-message -> server-final-message ("v=..."), or not-authorized.
  public mutating func receiveClientFinal(_ message: [UInt8]) throws(SASLFailure) -> [UInt8] {
    guard !serverFirst.isEmpty, message.count <= 4096 else { throw SASLFailure.malformed }
    let fields = message.split(separator: Character.comma, omittingEmptySubsequences: false)
    guard fields.count >= 3, let proofField = fields.last, proofField.starts(with: [0x70, 0x3D]),
      fields[0].starts(with: [0x63, 0x3D]), fields[1].starts(with: [0x72, 0x3D])
    else { throw SASLFailure.malformed }  // "p=", "c=", "r="
    guard let binding = Base64.decode(String(decoding: fields[0].dropFirst(2), as: UTF8.self)), binding == gs2Header,
      Array(fields[1].dropFirst(2)) == nonce,
      let proof = Base64.decode(String(decoding: proofField.dropFirst(2), as: UTF8.self))
    else { throw SASLFailure.malformed }
    let withoutProof = Array(message[..<(proofField.startIndex - 1)])
    let authMessage = clientFirstBare + [Character.comma] + serverFirst + [Character.comma] + withoutProof
    let clientKey = hash.hmac(key: saltedPassword, message: Array("Client Key".utf8))
    let storedKey = hash.hash(clientKey)
    let clientSignature = hash.hmac(key: storedKey, message: authMessage)
    guard proof.count == clientSignature.count else { throw SASLFailure.notAuthorized }
    var sentClientKey = proof
    for index in sentClientKey.indices { sentClientKey[index] ^= clientSignature[index] }
    guard ConstantTime.equals(hash.hash(sentClientKey), storedKey) else { throw SASLFailure.notAuthorized }
    let serverKey = hash.hmac(key: saltedPassword, message: Array("Server Key".utf8))
    let serverSignature = hash.hmac(key: serverKey, message: authMessage)
    return Array("v=".utf8) + Array(Base64.encode(serverSignature).utf8)
  }

  /// saslname (RFC 5802 §5.1): "=2C" is ",", "=3D" is "=", a bare "=" is an error.
  static func saslName(_ bytes: ArraySlice<UInt8>) throws(SASLFailure) -> String {
    var output: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
      if bytes[index] == 0x3D {
        guard index + 2 < bytes.endIndex else { throw SASLFailure.malformed }
        switch (bytes[index + 1], bytes[index + 2]) {
        case (0x32, 0x43): output.append(Character.comma)
        case (0x33, 0x44): output.append(0x3D)
        default: throw SASLFailure.malformed
        }
        index += 3
      } else {
        output.append(bytes[index])
        index += 1
      }
    }
    guard let name = String(validating: output, as: UTF8.self) else { throw SASLFailure.malformed }
    return name
  }

  private enum Character {
    static let comma: UInt8 = 0x2C
  }
}
