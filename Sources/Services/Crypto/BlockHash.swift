/// The Merkle–Damgård hashes SHA-1 and SHA-256 share: a state compressed one 64-byte block at
/// a time, then padded with 0x80, zeros and the bit length (RFC 3174 §4, RFC 6234 §4.1). A
/// state can be copied after some blocks, which is what lets HMAC and PBKDF2 hash each key
/// block once instead of once per round.
protocol BlockHash {
  static var digestSize: Int { get }
  init()
  mutating func compress(_ block: UnsafePointer<UInt8>)
  /// Writes the state as the big-endian digest.
  func write(_ digest: UnsafeMutablePointer<UInt8>)
}

extension BlockHash {
  static func hash(_ bytes: [UInt8]) -> [UInt8] {
    var digest = [UInt8](repeating: 0, count: digestSize)
    bytes.withUnsafeBufferPointer { message in
      digest.withUnsafeMutableBufferPointer { Self().finish(message, after: 0, into: $0.baseAddress!) }
    }
    return digest
  }

  /// The digest of `message` following `prefixLength` bytes already compressed into this state.
  func finish(_ message: UnsafeBufferPointer<UInt8>, after prefixLength: Int, into digest: UnsafeMutablePointer<UInt8>) {
    var state = self
    var offset = 0
    if let base = message.baseAddress {
      while message.count - offset >= 64 {
        state.compress(base + offset)
        offset += 64
      }
    }
    let rest = message.count - offset
    let bits = UInt64(prefixLength + message.count) &* 8
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
      let tail = tail.baseAddress!
      if rest > 0 { tail.update(from: message.baseAddress! + offset, count: rest) }
      tail[rest] = 0x80
      let blocks = rest + 9 <= 64 ? 1 : 2
      let end = blocks * 64
      (tail + rest + 1).update(repeating: 0, count: end - rest - 1 - 8)
      for index in 0..<8 { tail[end - 1 - index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index))) }
      state.compress(tail)
      if blocks == 2 { state.compress(tail + 64) }
    }
    state.write(digest)
  }
}

@inline(__always) func loadBigEndian(_ bytes: UnsafePointer<UInt8>, _ word: Int) -> UInt32 {
  let p = bytes + 4 * word
  return UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
}

@inline(__always) func storeBigEndian(_ value: UInt32, _ bytes: UnsafeMutablePointer<UInt8>, _ word: Int) {
  let p = bytes + 4 * word
  p[0] = UInt8(truncatingIfNeeded: value >> 24)
  p[1] = UInt8(truncatingIfNeeded: value >> 16)
  p[2] = UInt8(truncatingIfNeeded: value >> 8)
  p[3] = UInt8(truncatingIfNeeded: value)
}

@inline(__always) func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
  value << count | value >> (32 - count)
}

@inline(__always) func rotateRight(_ value: UInt32, _ count: UInt32) -> UInt32 {
  value >> count | value << (32 - count)
}
