/// PBKDF2 (RFC 8018 §5.2) with HMAC-SHA-1 or HMAC-SHA-256: SCRAM's Hi() (RFC 5802 §2.2).
public enum PBKDF2 {
  /// `keyLength` defaults to the hash size, which is what SCRAM uses.
  public static func sha1(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int = 20) -> [UInt8] {
    derive(HMAC.Keyed<SHA1.State>(key: password), salt: salt, iterations: iterations, keyLength: keyLength)
  }

  public static func sha256(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int = 32) -> [UInt8] {
    derive(HMAC.Keyed<SHA256.State>(key: password), salt: salt, iterations: iterations, keyLength: keyLength)
  }

  static func derive<H: BlockHash>(_ prf: HMAC.Keyed<H>, salt: [UInt8], iterations: Int, keyLength: Int) -> [UInt8] {
    let size = H.digestSize
    var key: [UInt8] = []
    key.reserveCapacity(keyLength + size)
    var block: UInt32 = 1
    while key.count < keyLength {
      var first = salt
      first += [UInt8(block >> 24), UInt8(block >> 16 & 0xFF), UInt8(block >> 8 & 0xFF), UInt8(block & 0xFF)]
      var u = prf.authenticate(first)
      var t = u
      u.withUnsafeMutableBufferPointer { u in
        t.withUnsafeMutableBufferPointer { t in
          for _ in 1..<max(iterations, 1) {
            prf.authenticate(UnsafeBufferPointer(u), into: u.baseAddress!)
            for index in 0..<size { t[index] ^= u[index] }
          }
        }
      }
      key += t
      block += 1
    }
    return Array(key.prefix(keyLength))
  }
}
