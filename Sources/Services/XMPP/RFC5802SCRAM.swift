#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), server side, with their -PLUS forms
/// (channel binding to the TLS connection: RFC 9266 tls-exporter, RFC 5929 tls-server-end-point).
///
/// The server works from the stored credential (SCRAMKeys: salt, iterations, StoredKey,
/// ServerKey), never the password: the caller passes a decoy credential for an unknown user
/// (its salt derived from the name, so repeated probes see the same one), and that user fails
/// exactly like a wrong password, after the same work.
///
/// Decisions:
/// - gs2 flag "p=TYPE" only with a -PLUS mechanism and a type this connection has; its c= must
///   be the gs2 header followed by the binding data, or the proof fails (not-authorized).
/// - "n" only without -PLUS. "y" (the client could bind but believes we cannot) only when no
///   -PLUS mechanism was offered: otherwise someone removed it on the way (RFC 5802 §6).
/// - An authorization identity is accepted; the caller checks it against the user.
/// - "m=" (reserved mandatory extension) is refused; other extensions are ignored.
/// - User names are taken as sent (SASLprep is the identity on ASCII), "=2C" and "=3D" decoded,
///   any other "=" refused.
public struct SCRAMServer {
  public let hash: SCRAMHash
  public let serverNonce: String
  public let salt: [UInt8]
  public let iterations: Int
  public let channelBinding: SCRAMChannelBinding
  /// The client-first message failed on its channel binding flag (no password was tried).
  public private(set) var bindingRefused = false
  /// The authorization identity the client named ("a="), if any.
  public private(set) var authorizationID: String?

  private var gs2Header: [UInt8] = []
  private var clientFirstBare: [UInt8] = []
  private var nonce: [UInt8] = []
  private var serverFirst: [UInt8] = []
  private var keys: SCRAMKeys?
  private var bindingData: [UInt8] = []

  /// `salt` and `iterations` serve `serverFirst(password:)`; `serverFirst(keys:)` uses the keys' own.
  public init(
    hash: SCRAMHash, serverNonce: String, salt: [UInt8] = [], iterations: Int = 4096,
    channelBinding: SCRAMChannelBinding = .none
  ) {
    self.channelBinding = channelBinding
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
    try acceptFlag(fields[0])
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
    guard let binding = Base64.decode(String(decoding: fields[0].dropFirst(2), as: UTF8.self)) else {
      throw SASLFailure.malformed
    }
    // With -PLUS, other binding data is another connection's: a man in the middle relaying.
    guard ConstantTime.equals(binding, gs2Header + bindingData) else {
      throw bindingData.isEmpty ? SASLFailure.malformed : SASLFailure.notAuthorized
    }
    guard Array(fields[1].dropFirst(2)) == nonce,
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

  /// The gs2 channel binding flag against what this mechanism and connection allow.
  private mutating func acceptFlag(_ flag: ArraySlice<UInt8>) throws(SASLFailure) {
    bindingRefused = true
    switch Array(flag) {
    case [0x6E]:  // "n": the client does not bind
      guard !channelBinding.required else { throw SASLFailure.malformed }
    case [0x79]:  // "y": the client could bind, but saw no -PLUS offered
      guard !channelBinding.required else { throw SASLFailure.malformed }
      guard !channelBinding.offered else { throw SASLFailure.notAuthorized }
    default:
      guard flag.starts(with: [0x70, 0x3D]), channelBinding.required else { throw SASLFailure.malformed }  // "p="
      let name = String(decoding: flag.dropFirst(2), as: UTF8.self)
      guard let data = channelBinding.data(for: name) else { throw SASLFailure.malformed }
      bindingData = data
    }
    bindingRefused = false
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

/// What the connection under a SCRAM exchange offers to bind it to.
public struct SCRAMChannelBinding: Sendable, Equatable {
  /// The mechanism is a -PLUS one: the client must bind ("p=TYPE").
  public var required: Bool
  /// A -PLUS mechanism was offered on this stream: a client answering "y" was downgraded.
  public var offered: Bool
  /// The binding types this connection has, each with its data, in order of preference.
  public var types: [String]
  public var values: [[UInt8]]

  public init(required: Bool, offered: Bool, types: [String], values: [[UInt8]]) {
    self.required = required
    self.offered = offered
    self.types = types
    self.values = values
  }

  public static let none = SCRAMChannelBinding(required: false, offered: false, types: [], values: [])

  func data(for type: String) -> [UInt8]? {
    guard let index = types.firstIndex(of: type), index < values.count else { return nil }
    return values[index]
  }
}
