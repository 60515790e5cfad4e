import XCTest

@testable import Crypto

/// The signed upload URL (XEP-0363 slots): only what in.jabberd signed passes in.www's check.
final class UploadTokenTests: XCTestCase {
  let key = Array("0123456789abcdef0123456789abcdef".utf8)
  let token = UploadToken(
    id: "00112233445566778899aabbccddeeff", expiry: 1_800_000_000, size: 1234, contentType: "image/jpeg",
    fileName: "holiday photo/ü.jpg")

  /// The two segments after /upload/ as in.www decodes them.
  func segments(_ path: String) -> (String, String) {
    let parts = path.split(separator: "/").map(String.init)
    return (parts[1], parts[2].removingPercentEncoding!)
  }

  func testAPathVerifiesBackToItsToken() throws {
    let path = token.path(key: key)
    XCTAssertTrue(path.hasPrefix("/upload/00112233445566778899aabbccddeeff.1800000000.1234.696d6167652f6a706567."), path)
    XCTAssertTrue(path.hasSuffix("/holiday%20photo%2F%C3%BC.jpg"), path)
    let (signed, name) = segments(path)
    XCTAssertEqual(UploadToken.verify(signed, fileName: name, key: key), token)
    XCTAssertEqual(token.storedName, "1800000000-00112233445566778899aabbccddeeff")
  }

  func testAnyAlteredFieldOrAnotherKeyFails() {
    let (signed, name) = segments(token.path(key: key))
    XCTAssertNil(UploadToken.verify(signed, fileName: name, key: Array("another key".utf8)))
    XCTAssertNil(UploadToken.verify(signed, fileName: name + "x", key: key), "the name is signed too")
    for (from, to) in [(".1800000000.", ".1900000000."), (".1234.", ".99999.") , ("696d6167652f6a706567", "746578742f68746d6c")] {
      XCTAssertNil(UploadToken.verify(signed.replacingOccurrences(of: from, with: to), fileName: name, key: key), to)
    }
    XCTAssertNil(UploadToken.verify(signed.replacingOccurrences(of: ".1234.", with: ".01234."), fileName: name, key: key))
    XCTAssertNil(UploadToken.verify(signed + "0", fileName: name, key: key))
    XCTAssertNil(UploadToken.verify("../../etc/passwd", fileName: name, key: key))
  }
}
