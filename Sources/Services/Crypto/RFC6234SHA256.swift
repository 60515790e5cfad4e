// The fuzzing builds (Scripts/fuzz) compile the protocol cores alone, without CLibc.
#if canImport(CLibc)
import CLibc
#endif

/// SHA-256 (RFC 6234, FIPS 180-4).
public enum SHA256 {
  public static func hash(_ bytes: [UInt8]) -> [UInt8] { State.hash(bytes) }

  static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]

  struct State: BlockHash {
    static let digestSize = 32
    var h0: UInt32 = 0x6a09_e667
    var h1: UInt32 = 0xbb67_ae85
    var h2: UInt32 = 0x3c6e_f372
    var h3: UInt32 = 0xa54f_f53a
    var h4: UInt32 = 0x510e_527f
    var h5: UInt32 = 0x9b05_688c
    var h6: UInt32 = 0x1f83_d9ab
    var h7: UInt32 = 0x5be0_cd19

    init() {}

    mutating func compress(_ block: UnsafePointer<UInt8>) {
      // The CPU's SHA extensions when it has them (CLibc's sha256.c): H0..H7 are this
      // struct's eight words, in order.
      #if canImport(CLibc)
        let accelerated = withUnsafeMutablePointer(to: &self) { state in
          state.withMemoryRebound(to: UInt32.self, capacity: 8) { slug_sha256_compress($0, block) }
        }
        if accelerated == 1 { return }
      #endif
      compressPortable(block)
    }

    /// FIPS 180-4 §6.2.2 in Swift, for CPUs without the extensions (and to check them against).
    mutating func compressPortable(_ block: UnsafePointer<UInt8>) {
      SHA256.k.withUnsafeBufferPointer { k in
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
          for t in 0..<16 { w[t] = loadBigEndian(block, t) }
          for t in 16..<64 {
            let s0 = rotateRight(w[t - 15], 7) ^ rotateRight(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotateRight(w[t - 2], 17) ^ rotateRight(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
          }
          var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
          // Eight rounds per pass with the roles rotated instead of the values moved.
          var t = 0
          while t < 64 {
            round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
            round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
            round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
            round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
            round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
            round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
            round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
            round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
            t += 8
          }
          h0 = h0 &+ a
          h1 = h1 &+ b
          h2 = h2 &+ c
          h3 = h3 &+ d
          h4 = h4 &+ e
          h5 = h5 &+ f
          h6 = h6 &+ g
          h7 = h7 &+ h
        }
      }
    }

    /// One round (FIPS 180-4 §6.2.2 step 3): `h` becomes the new `a`, `d` the new `e`.
    @inline(__always)
    private func round(
      _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
      _ h: inout UInt32, _ kw: UInt32
    ) {
      let s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
      let choose = g ^ (e & (f ^ g))
      let temp1 = h &+ s1 &+ choose &+ kw
      let s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
      let majority = (a & b) | (c & (a | b))
      d = d &+ temp1
      h = temp1 &+ s0 &+ majority
    }

    func write(_ digest: UnsafeMutablePointer<UInt8>) {
      storeBigEndian(h0, digest, 0)
      storeBigEndian(h1, digest, 1)
      storeBigEndian(h2, digest, 2)
      storeBigEndian(h3, digest, 3)
      storeBigEndian(h4, digest, 4)
      storeBigEndian(h5, digest, 5)
      storeBigEndian(h6, digest, 6)
      storeBigEndian(h7, digest, 7)
    }
  }
}
