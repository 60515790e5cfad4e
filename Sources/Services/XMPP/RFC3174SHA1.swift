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
        for t in 0..<80 {
          let f: UInt32
          let k: UInt32
          switch t {
          case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
          case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
          case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
          default: f = b ^ c ^ d; k = 0xCA62_C1D6
          }
          let temp = rotateLeft(a, 5) &+ f &+ e &+ k &+ w[t]
          e = d
          d = c
          c = rotateLeft(b, 30)
          b = a
          a = temp
        }
        h0 = h0 &+ a
        h1 = h1 &+ b
        h2 = h2 &+ c
        h3 = h3 &+ d
        h4 = h4 &+ e
      }
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
