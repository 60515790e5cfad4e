/// HMAC (RFC 2104) over SHA-1 and SHA-256.
public enum HMAC {
  public static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] {
    Keyed<SHA1.State>(key: key).authenticate(message)
  }

  public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    Keyed<SHA256.State>(key: key).authenticate(message)
  }

  /// The inner and outer states after the padded key block: each message then costs only its
  /// own blocks (PBKDF2 makes thousands of HMACs with one key).
  struct Keyed<H: BlockHash> {
    var inner = H()
    var outer = H()

    init(key: [UInt8]) {
      let key = key.count > 64 ? H.hash(key) : key
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { pad in
        let pad = pad.baseAddress!
        pad.update(repeating: 0x36, count: 64)
        for index in key.indices { pad[index] = key[index] ^ 0x36 }
        inner.compress(pad)
        pad.update(repeating: 0x5C, count: 64)
        for index in key.indices { pad[index] = key[index] ^ 0x5C }
        outer.compress(pad)
      }
    }

    func authenticate(_ message: [UInt8]) -> [UInt8] {
      var mac = [UInt8](repeating: 0, count: H.digestSize)
      message.withUnsafeBufferPointer { message in
        mac.withUnsafeMutableBufferPointer { authenticate(message, into: $0.baseAddress!) }
      }
      return mac
    }

    /// `mac` may be the same memory as `message` (PBKDF2 hashes each U into the next).
    func authenticate(_ message: UnsafeBufferPointer<UInt8>, into mac: UnsafeMutablePointer<UInt8>) {
      withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { innerDigest in
        inner.finish(message, after: 64, into: innerDigest.baseAddress!)
        outer.finish(UnsafeBufferPointer(start: innerDigest.baseAddress!, count: H.digestSize), after: 64, into: mac)
      }
    }
  }
}
