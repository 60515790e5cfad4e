#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), server side, without channel binding.
///
/// The server works from the stored credential (SCRAMKeys: salt, iterations, StoredKey,
/// ServerKey), never the password: the caller passes a decoy credential for an unknown user
/// (its salt derived from the name, so repeated probes see the same one), and that user fails
/// exactly like a wrong password, after the same work.
///
/// Decisions:
/// - gs2 flag "n" or "y" accepted ("y": the client could bind but believes we cannot, which is
///   true: no -PLUS mechanism is offered); "p=" is refused (malformed-request).
/// - An authorization identity is accepted; the caller checks it against the user.
/// - "m=" (reserved mandatory extension) is refused; other extensions are ignored.
/// - User names are taken as sent (SASLprep is the identity on ASCII), "=2C" and "=3D" decoded,
///   any other "=" refused.
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
  private var keys: SCRAMKeys?

  /// `salt` and `iterations` serve `serverFirst(password:)`; `serverFirst(keys:)` uses the keys' own.
  public init(hash: SCRAMHash, serverNonce: String, salt: [UInt8] = [], iterations: Int = 4096) {
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

  /// server-first-message for a password known in the clear (derived with `salt` and `iterations`).
  public mutating func serverFirst(password: String) -> [UInt8] {
    serverFirst(keys: hash.keys(password: password, salt: salt, iterations: iterations))
  }

  /// server-first-message for that user's stored credential (its salt and iteration count).
  public mutating func serverFirst(keys: SCRAMKeys) -> [UInt8] {
    self.keys = keys
    serverFirst = Array("r=".utf8) + nonce + Array(",s=".utf8) + Array(Base64.encode(keys.salt).utf8)
      + Array(",i=".utf8) + Array(String(keys.iterations).utf8)
    return serverFirst
  }

  /// client-final-message -> server-final-message ("v=..."), or not-authorized.
  public mutating func receiveClientFinal(_ message: [UInt8]) throws(SASLFailure) -> [UInt8] {
    guard let keys, !serverFirst.isEmpty, message.count <= 4096 else { throw SASLFailure.malformed }
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
    let storedKey = keys.storedKey
    let clientSignature = hash.hmac(key: storedKey, message: authMessage)
    guard proof.count == clientSignature.count else { throw SASLFailure.notAuthorized }
    var sentClientKey = proof
    for index in sentClientKey.indices { sentClientKey[index] ^= clientSignature[index] }
    guard ConstantTime.equals(hash.hash(sentClientKey), storedKey) else { throw SASLFailure.notAuthorized }
    let serverSignature = hash.hmac(key: keys.serverKey, message: authMessage)
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
