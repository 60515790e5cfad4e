/// Response rate limiting for UDP, as nsd's `rrl-*` settings and the ISC design behind BIND's
/// `rate-limit` do it: replies are counted per second in buckets keyed by the client's netblock
/// (/24, /56), the kind of reply and the question; past the rate a bucket's replies are dropped,
/// except every `slip`-th, which goes out truncated (TC, the question only) so that a real
/// client asks again over TCP, which cannot be spoofed. A forged flood thus gets back fewer
/// bytes than it sent. Unlike BIND, NXDOMAIN is keyed by the name asked, not its zone: such a
/// reply is small, and a LAN client looking up many missing names is not throttled for it.
public struct ResponseRateLimit: Sendable {
  public enum Verdict: Equatable, Sendable {
    case send
    /// Send the reply cut to its question, with TC set (`truncate(_:)`).
    case truncate
    case drop
  }

  /// Replies a second per bucket; 0 turns limiting off.
  public let ratePerSecond: UInt32
  /// Every this-many dropped replies one goes out truncated; 0 never, 1 always.
  public let slip: UInt32
  public static let ipv4PrefixLength = 24
  public static let ipv6PrefixLength = 56
  /// Buckets, a power of two: fixed memory (24 bytes each). A bucket a different key hashes
  /// to is taken over and starts counting afresh, which can only let more through.
  public static let bucketCount = 8192

  private struct Bucket {
    var key: UInt64 = 0
    var second: Int64 = -1
    var replies: UInt32 = 0
    var dropped: UInt32 = 0
  }

  private var buckets: [Bucket] = []
  /// Makes the bucket of a key unpredictable to clients, who could otherwise pick keys that
  /// share a bucket and reset each other's counts.
  private let seed: UInt64

  public init(ratePerSecond: UInt32, slip: UInt32, seed: UInt64) {
    self.ratePerSecond = ratePerSecond
    self.slip = slip
    self.seed = seed
  }

  /// What to do with REPLY (a whole UDP reply with its question) to a client at IPv4 address
  /// SOURCE, at NOW (Unix seconds).
  public mutating func verdict(for reply: [UInt8], toIPv4 source: UInt32, now: Int64) -> Verdict {
    guard ratePerSecond > 0 else { return .send }
    let netblock = UInt64(source >> UInt32(32 - ResponseRateLimit.ipv4PrefixLength))
    return verdict(for: reply, netblock: mix(seed ^ 4, netblock), now: now)
  }

  /// The same for a client at the 16-byte IPv6 address SOURCE.
  public mutating func verdict(for reply: [UInt8], toIPv6 source: [UInt8], now: Int64) -> Verdict {
    guard ratePerSecond > 0 else { return .send }
    // An IPv4 client of a dual-stack socket (::ffff:a.b.c.d) counts in its IPv4 netblock.
    if source.count == 16, source[0..<10].allSatisfy({ $0 == 0 }), source[10] == 0xFF, source[11] == 0xFF {
      let address = source[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
      return verdict(for: reply, toIPv4: address, now: now)
    }
    var netblock: UInt64 = 0
    for byte in source.prefix(ResponseRateLimit.ipv6PrefixLength / 8) { netblock = netblock << 8 | UInt64(byte) }
    return verdict(for: reply, netblock: mix(seed ^ 6, netblock), now: now)
  }

  private mutating func verdict(for reply: [UInt8], netblock: UInt64, now: Int64) -> Verdict {
    if buckets.isEmpty { buckets = Array(repeating: Bucket(), count: ResponseRateLimit.bucketCount) }
    let key = mix(netblock, ResponseRateLimit.questionHash(reply))
    let index = Int(truncatingIfNeeded: key) & (ResponseRateLimit.bucketCount - 1)
    if buckets[index].key != key || buckets[index].second != now {
      buckets[index] = Bucket(key: key, second: now, replies: 0, dropped: 0)
    }
    buckets[index].replies &+= 1
    guard buckets[index].replies > ratePerSecond else { return .send }
    buckets[index].dropped &+= 1
    return slip > 0 && buckets[index].dropped % slip == 0 ? .truncate : .drop
  }

  /// FNV-1a over the reply's kind (RCODE, and whether it answers), the question name in lower
  /// case and the question type.
  static func questionHash(_ reply: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    func add(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    guard reply.count >= Header.length else { return hash }
    add(reply[3] & 0x0F)
    add(reply[6] | reply[7] == 0 ? 0 : 1)
    let end = Responder.questionEnd(reply)
    for index in Header.length..<end { add(lowercased(reply[index])) }
    return hash
  }

  private static func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
  }

  /// splitmix64's finaliser over the pair: every input bit reaches every output bit.
  private func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var value = a &+ b &* 0x9E37_79B9_7F4A_7C15
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }

  /// REPLY cut to its header and question, TC set: a client that gets it retries over TCP.
  public static func truncate(_ reply: inout [UInt8]) {
    guard reply.count >= Header.length else { return }
    reply.removeSubrange(Responder.questionEnd(reply)...)
    for offset in [Header.answerCountOffset, Header.authorityCountOffset, Header.additionalCountOffset] {
      reply.setUInt16(0, at: offset)
    }
    reply.setUInt16(reply.uint16(at: Header.flagsOffset) | Header.truncatedFlag, at: Header.flagsOffset)
  }
}
