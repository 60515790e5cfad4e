import CLibc

/// What the processes of a mesh prove they hold before any of their messages passes (see
/// PeerMesh): a message authentication code under a key only the store's readers have, so a
/// process that merely runs as the same user (or as root without the store) cannot join. The
/// Runtime has no cryptography of its own: the daemon hands in HMAC-SHA-256 under the key.
public struct MeshKey {
  /// What the key is, for the refusal's log line ("the store's key").
  public let name: String
  let authenticate: ([UInt8]) -> [UInt8]

  /// `authenticate` is the code of a message under the key (HMAC-SHA-256: 32 bytes).
  public init(name: String, authenticate: @escaping ([UInt8]) -> [UInt8]) {
    self.name = name
    self.authenticate = authenticate
  }

  /// Makes this process non-dumpable, so that no other process of its user can trace it or
  /// read its memory (/proc/PID/mem) and take the key from there: call it before the key is
  /// read. Without the Yama module (Debian's kernels), uid alone would allow both.
  public static func guardProcess() {
    _ = slug_set_undumpable()
  }
}

/// One connection's proof, both ways; nothing else passes until it is done.
///
/// On connect both sides send a hello: `helloTag` and a fresh 32-byte nonce. On the peer's
/// hello each answers with its proof, the key's code of
///
///     label ‖ prefix ‖ 0 ‖ sender's role ‖ sender's pid ‖ sender's nonce ‖ receiver's pid ‖ receiver's nonce
///
/// (roles: 'a' the side that accepted, 'c' the side that connected; pids as 4 bytes, big
/// endian; the peer's pid from SO_PEERCRED, which the kernel vouches for). A proof is bound to
/// its sender: one process's proof never names another as its sender, so relaying it, or
/// reflecting a peer's own nonce, proves nothing. Both nonces are fresh, so an old proof is no
/// good either. The peer's proof is compared in constant time.
struct MeshHandshake {
  enum Role: UInt8 {
    case accepted = 0x61
    case connected = 0x63

    var other: Role { self == .accepted ? .connected : .accepted }
  }

  enum Step: Equatable {
    /// The peer's hello: send this proof.
    case answer([UInt8])
    /// The peer's proof holds.
    case proven
    case refused
  }

  static let helloTag = Array("slug-mesh/1 ".utf8)
  static let nonceBytes = 32
  static let label = Array("slug mesh proof 1".utf8)

  let role: Role
  let ourPid: pid_t
  let peerPid: pid_t
  let nonce: [UInt8]
  let deadline: Deadline
  private(set) var peerNonce: [UInt8]?

  init(role: Role, peerPid: pid_t, deadline: Deadline, nonce: [UInt8] = MeshHandshake.freshNonce()) {
    self.role = role
    ourPid = getpid()
    self.peerPid = peerPid
    self.deadline = deadline
    self.nonce = nonce
  }

  /// The first message on the connection.
  var hello: [UInt8] { MeshHandshake.helloTag + nonce }

  /// The peer's next handshake message: its hello, then its proof.
  mutating func receive(_ message: [UInt8], prefix: String, key: MeshKey) -> Step {
    guard let peerNonce else {
      let tag = MeshHandshake.helloTag
      guard message.count == tag.count + MeshHandshake.nonceBytes, message.starts(with: tag) else { return .refused }
      let theirs = Array(message[tag.count...])
      // Our own nonce sent back: nothing a real peer does.
      guard !MeshHandshake.equal(theirs, nonce) else { return .refused }
      self.peerNonce = theirs
      return .answer(
        key.authenticate(
          MeshHandshake.transcript(
            prefix: prefix, role: role, sender: ourPid, senderNonce: nonce, receiver: peerPid, receiverNonce: theirs)))
    }
    let expected = key.authenticate(
      MeshHandshake.transcript(
        prefix: prefix, role: role.other, sender: peerPid, senderNonce: peerNonce, receiver: ourPid, receiverNonce: nonce))
    return !expected.isEmpty && MeshHandshake.equal(message, expected) ? .proven : .refused
  }

  static func transcript(
    prefix: String, role: Role, sender: pid_t, senderNonce: [UInt8], receiver: pid_t, receiverNonce: [UInt8]
  ) -> [UInt8] {
    func bigEndian(_ pid: pid_t) -> [UInt8] {
      let value = UInt32(bitPattern: pid)
      return [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
    return label + Array(prefix.utf8) + [0, role.rawValue] + bigEndian(sender) + senderNonce + bigEndian(receiver)
      + receiverNonce
  }

  /// Equal bytes, in a time that depends only on the lengths (which are public).
  static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
  }

  static func freshNonce() -> [UInt8] { Random.bytes(nonceBytes) }
}
