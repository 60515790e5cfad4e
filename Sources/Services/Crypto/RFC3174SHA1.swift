/// SHA-1 (RFC 3174, FIPS 180-4): for SCRAM-SHA-1 and the XEP-0078 digest, not for anything new.
public enum SHA1 {
  public static func hash(_ bytes: [UInt8]) -> [UInt8] { State.hash(bytes) }

  struct State: BlockHash {
    static let digestSize = 20
    var h0: UInt32 = 0x6745_2301
    var h1: UInt32 = 0xEFCD_AB89
    var h2: UInt32 = 0x98BA_DCFE
    var h3: UInt32 = 0x1032_5476
    var h4: UInt32 = 0xC3D2_E1F0

    init() {}

    mutating func compress(_ block: UnsafePointer<UInt8>) {
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
        for t in 0..<16 { w[t] = loadBigEndian(block, t) }
        for t in 16..<80 { w[t] = rotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
        var a = h0, b = h1, c = h2, d = h3, e = h4
        // Five rounds per pass with the roles rotated; one function and constant per quarter.
        var t = 0
        while t < 20 {
          round(a, &b, c, d, &e, (b & c) | (~b & d), 0x5A82_7999 &+ w[t])
          round(e, &a, b, c, &d, (a & b) | (~a & c), 0x5A82_7999 &+ w[t + 1])
          round(d, &e, a, b, &c, (e & a) | (~e & b), 0x5A82_7999 &+ w[t + 2])
          round(c, &d, e, a, &b, (d & e) | (~d & a), 0x5A82_7999 &+ w[t + 3])
          round(b, &c, d, e, &a, (c & d) | (~c & e), 0x5A82_7999 &+ w[t + 4])
          t += 5
        }
        while t < 40 {
          round(a, &b, c, d, &e, b ^ c ^ d, 0x6ED9_EBA1 &+ w[t])
          round(e, &a, b, c, &d, a ^ b ^ c, 0x6ED9_EBA1 &+ w[t + 1])
          round(d, &e, a, b, &c, e ^ a ^ b, 0x6ED9_EBA1 &+ w[t + 2])
          round(c, &d, e, a, &b, d ^ e ^ a, 0x6ED9_EBA1 &+ w[t + 3])
          round(b, &c, d, e, &a, c ^ d ^ e, 0x6ED9_EBA1 &+ w[t + 4])
          t += 5
        }
        while t < 60 {
          round(a, &b, c, d, &e, (b & c) | (b & d) | (c & d), 0x8F1B_BCDC &+ w[t])
          round(e, &a, b, c, &d, (a & b) | (a & c) | (b & c), 0x8F1B_BCDC &+ w[t + 1])
          round(d, &e, a, b, &c, (e & a) | (e & b) | (a & b), 0x8F1B_BCDC &+ w[t + 2])
          round(c, &d, e, a, &b, (d & e) | (d & a) | (e & a), 0x8F1B_BCDC &+ w[t + 3])
          round(b, &c, d, e, &a, (c & d) | (c & e) | (d & e), 0x8F1B_BCDC &+ w[t + 4])
          t += 5
        }
        while t < 80 {
          round(a, &b, c, d, &e, b ^ c ^ d, 0xCA62_C1D6 &+ w[t])
          round(e, &a, b, c, &d, a ^ b ^ c, 0xCA62_C1D6 &+ w[t + 1])
          round(d, &e, a, b, &c, e ^ a ^ b, 0xCA62_C1D6 &+ w[t + 2])
          round(c, &d, e, a, &b, d ^ e ^ a, 0xCA62_C1D6 &+ w[t + 3])
          round(b, &c, d, e, &a, c ^ d ^ e, 0xCA62_C1D6 &+ w[t + 4])
          t += 5
        }
        h0 = h0 &+ a
        h1 = h1 &+ b
        h2 = h2 &+ c
        h3 = h3 &+ d
        h4 = h4 &+ e
      }
    }

    /// One round (RFC 3174 §6.1 step d) with `f` computed by the caller from the old b, c, d:
    /// `e` becomes the new `a`, `b` is rotated into the new `c`.
    @inline(__always)
    private func round(_ a: UInt32, _ b: inout UInt32, _ c: UInt32, _ d: UInt32, _ e: inout UInt32, _ f: UInt32, _ kw: UInt32) {
      e = rotateLeft(a, 5) &+ f &+ e &+ kw
      b = rotateLeft(b, 30)
    }

    func write(_ digest: UnsafeMutablePointer<UInt8>) {
      storeBigEndian(h0, digest, 0)
      storeBigEndian(h1, digest, 1)
      storeBigEndian(h2, digest, 2)
      storeBigEndian(h3, digest, 3)
      storeBigEndian(h4, digest, 4)
    }
  }
}
