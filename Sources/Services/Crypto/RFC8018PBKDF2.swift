/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-1 or HMAC-SHA-256: SCRAM's Hi() (RFC 5802 §2.2).
public enum PBKDF2 {
  /// `keyLength` defaults to the hash size, which is what SCRAM uses.
  public static func sha1(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int = 20) -> [UInt8] {
    derive(HMAC.Keyed<SHA1.State>(key: password), salt: salt, iterations: iterations, keyLength: keyLength)
  }

  public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int = 32) -> [UInt8] {
    derive(HMAC.Keyed<SHA256.State>(key: password), salt: salt, iterations: iterations, keyLength: keyLength)
  }

  /// Each round after the first is two compressions: U (one digest) after the key block is
  /// 64 + size bytes for both the inner and the outer hash, so one padded block serves both,
  /// each digest written over the last.
  static func derive<H: BlockHash>(_ prf: HMAC.Keyed<H>, salt: [UInt8], iterations: Int, keyLength: Int) -> [UInt8] {
    let size = H.digestSize
    var key: [UInt8] = []
    key.reserveCapacity(keyLength + size)
    var block: UInt32 = 1
    while key.count < keyLength {
      var first = salt
      first += [UInt8(block >> 24), UInt8(block >> 16 & 0xFF), UInt8(block >> 8 & 0xFF), UInt8(block & 0xFF)]
      var t = prf.authenticate(first)
      if iterations > 1 {
        t.withUnsafeMutableBufferPointer { t in
          withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            let u = buffer.baseAddress!
            u.update(from: t.baseAddress!, count: size)
            u[size] = 0x80
            (u + size + 1).update(repeating: 0, count: 64 - size - 1 - 8)
            let bits = UInt64(64 + size) * 8
            for index in 0..<8 { u[63 - index] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(index))) }
            for _ in 1..<iterations {
              var inner = prf.inner
              inner.compress(u)
              inner.write(u)
              var outer = prf.outer
              outer.compress(u)
              outer.write(u)
              for index in 0..<size { t[index] ^= u[index] }
            }
          }
        }
      }
      key += t
      block += 1
    }
    return Array(key.prefix(keyLength))
  }
}
