import CLibc
@testable import Crypto
import Text
import XCTest

/// Vectors from the RFCs that define each function.
final class CryptoTests: XCTestCase {
  private func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8).filter { $0 != 0x20 }
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
  }

  func testSHA1MatchesRFC3174AndFIPS180Vectors() {
    XCTAssertEqual(Hex.lowercase(SHA1.hash([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    XCTAssertEqual(Hex.lowercase(SHA1.hash(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
    XCTAssertEqual(
      Hex.lowercase(SHA1.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    XCTAssertEqual(Hex.lowercase(SHA1.hash([UInt8](repeating: 0x61, count: 1_000_000))), "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
  }

  func testSHA256MatchesRFC6234Vectors() {
    XCTAssertEqual(Hex.lowercase(SHA256.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(Hex.lowercase(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      Hex.lowercase(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(
      Hex.lowercase(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000))),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  /// The SHA extensions' compression (CLibc's sha256.c) against the portable Swift one, from
  /// random states over random blocks, chained so each result feeds the next.
  func testAcceleratedCompressionMatchesThePortableOne() throws {
    var state = SHA256.State()
    var probe = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
    var block = [UInt8](repeating: 0, count: 64)
    let usable = withUnsafeMutableBytes(of: &probe) { slug_sha256_compress($0.baseAddress!.assumingMemoryBound(to: UInt32.self), block) }
    try XCTSkipIf(usable == 0, "this CPU has no SHA extensions: the portable code runs alone")
    var generator = SystemRandomNumberGenerator()
    for round in 0..<2000 {
      if round % 100 == 0 {
        state = SHA256.State()
        state.h0 = generator.next(); state.h3 = generator.next(); state.h5 = generator.next(); state.h7 = generator.next()
      }
      for index in block.indices { block[index] = generator.next() }
      var portable = state
      block.withUnsafeBufferPointer { portable.compressPortable($0.baseAddress!) }
      block.withUnsafeBufferPointer { state.compress($0.baseAddress!) }
      XCTAssertEqual(
        [state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7],
        [portable.h0, portable.h1, portable.h2, portable.h3, portable.h4, portable.h5, portable.h6, portable.h7],
        "round \(round)")
      if state.h0 != portable.h0 { break }
    }
  }

  func testPaddingIsRightAtEveryLengthAroundABlock() {
    // 55 bytes fit one padded block, 56 need two: both hashes differ from a prefix's and are stable.
    var seen: [[UInt8]] = []
    for length in 50..<130 {
      let digest = SHA256.hash([UInt8](repeating: 0x61, count: length))
      XCTAssertFalse(seen.contains(digest))
      seen.append(digest)
    }
    XCTAssertEqual(Hex.lowercase(SHA1.hash([UInt8](repeating: 0x61, count: 64))), "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    XCTAssertEqual(
      Hex.lowercase(SHA256.hash([UInt8](repeating: 0x61, count: 64))),
      "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
  }

  func testHMACMatchesRFC2202AndRFC4231Vectors() {
    let key = [UInt8](repeating: 0x0b, count: 20)
    let hiThere = Array("Hi There".utf8)
    XCTAssertEqual(Hex.lowercase(HMAC.sha1(key: key, message: hiThere)), "b617318655057264e28bc0b6fb378c8ef146be00")
    XCTAssertEqual(
      Hex.lowercase(HMAC.sha256(key: key, message: hiThere)), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    let jefe = Array("Jefe".utf8)
    let question = Array("what do ya want for nothing?".utf8)
    XCTAssertEqual(Hex.lowercase(HMAC.sha1(key: jefe, message: question)), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    XCTAssertEqual(
      Hex.lowercase(HMAC.sha256(key: jefe, message: question)), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    let longKeyMessage = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
    XCTAssertEqual(
      Hex.lowercase(HMAC.sha1(key: [UInt8](repeating: 0xaa, count: 80), message: longKeyMessage)),
      "aa4ae5e15272d00e95705637ce8a3b55ed402112")
    XCTAssertEqual(
      Hex.lowercase(HMAC.sha256(key: [UInt8](repeating: 0xaa, count: 131), message: longKeyMessage)),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }

  func testPBKDF2SHA1MatchesRFC6070Vectors() {
    let password = Array("password".utf8)
    let salt = Array("salt".utf8)
    XCTAssertEqual(Hex.lowercase(PBKDF2.sha1(password: password, salt: salt, iterations: 1)), "0c60c80f961f0e71f3a9b524af6012062fe037a6")
    XCTAssertEqual(Hex.lowercase(PBKDF2.sha1(password: password, salt: salt, iterations: 2)), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
    XCTAssertEqual(Hex.lowercase(PBKDF2.sha1(password: password, salt: salt, iterations: 4096)), "4b007901b765489abead49d926f721d065a429c1")
    XCTAssertEqual(
      Hex.lowercase(
        PBKDF2.sha1(
          password: Array("passwordPASSWORDpassword".utf8), salt: Array("saltSALTsaltSALTsaltSALTsaltSALTsalt".utf8),
          iterations: 4096, keyLength: 25)),
      "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038")
    XCTAssertEqual(
      Hex.lowercase(PBKDF2.sha1(password: Array("pass\0word".utf8), salt: Array("sa\0lt".utf8), iterations: 4096, keyLength: 16)),
      "56fa6aa75548099dcc37d7f03425e0c3")
  }

  func testPBKDF2SHA256MatchesRFC7914Vectors() {
    XCTAssertEqual(
      PBKDF2.sha256(password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, keyLength: 64),
      hex("55 ac 04 6e 56 e3 08 9f ec 16 91 c2 25 44 b6 05 f9 41 85 21 6d de 04 65 e6 8b 9d 57 c2 0d ac bc"
        + "49 ca 9c cc f1 79 b6 45 99 16 64 b3 9d 77 ef 31 7c 71 b8 45 b1 e3 0b d5 09 11 20 41 d3 a1 97 83"))
    XCTAssertEqual(
      PBKDF2.sha256(password: Array("Password".utf8), salt: Array("NaCl".utf8), iterations: 80000, keyLength: 64),
      hex("4d dc d8 f6 0b 98 be 21 83 0c ee 5e f2 27 01 f9 64 1a 44 18 d0 4c 04 14 ae ff 08 87 6b 34 ab 56"
        + "a1 d4 25 a1 22 58 33 54 9a db 84 1b 51 c9 b3 17 6a 27 2b de bb a1 d0 78 47 8f 62 b3 97 f3 3c 8d"))
  }

  func testBase64RoundTripsAndRefusesWhatSASLMustRefuse() {
    for length in 0..<10 {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) }
      XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
    }
    XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
    XCTAssertEqual(Base64.encode(Array("fooba".utf8)), "Zm9vYmE=")
    XCTAssertEqual(Base64.encode(Array("foob".utf8)), "Zm9vYg==")
    XCTAssertEqual(Base64.decode(""), [])
    XCTAssertEqual(Base64.decode("AGFsaWNlAHB3"), Array("\0alice\0pw".utf8))
    for bad in ["Zm9", "Zm9v YmFy", "Zm9vYmF=y", "Zm=vYmFy", "Zm9v\nYmFy", "=", "Zg=a", "Zm9v!mFy"] {
      XCTAssertNil(Base64.decode(bad), bad)
    }
  }

  func testConstantTimeEquals() {
    XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
    XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
    XCTAssertFalse(ConstantTime.equals([1, 2], [1, 2, 3]))
  }
}
