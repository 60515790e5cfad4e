import XCTest

@testable import CTCS

final class SHA256Tests: XCTestCase {
  func testDigestsMatchFIPS180Examples() {
    XCTAssertEqual(
      SHA256.hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    XCTAssertEqual(SHA256.hex(SHA256.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  func testHMACMatchesRFC4231() {
    // Test case 2, and test case 6 (a key longer than the block).
    XCTAssertEqual(
      SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    XCTAssertEqual(
      SHA256.hex(
        SHA256.hmac(
          key: [UInt8](repeating: 0xaa, count: 131),
          message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }
}

final class FormTokenTests: XCTestCase {
  func testATokenIsAcceptedOnlyForItsOwnFormAndSecret() {
    let forms = FormToken(secret: "s3cret")
    let token = forms.token(action: "pause", torrent: 7)
    XCTAssertTrue(forms.accepts(token, action: "pause", torrent: 7))
    XCTAssertFalse(forms.accepts(token, action: "quit", torrent: 7))
    XCTAssertFalse(forms.accepts(token, action: "pause", torrent: 8))
    XCTAssertFalse(FormToken(secret: "other").accepts(token, action: "pause", torrent: 7))
    XCTAssertFalse(forms.accepts("", action: "pause", torrent: 7))
  }
}

final class WebFormTests: XCTestCase {
  func testURLEncodedFieldsAreDecoded() {
    let form = WebForm.parse(Array("action=pause&id=7&note=a+b%21%3C&bad=%zz&empty=".utf8), contentType: "application/x-www-form-urlencoded")
    XCTAssertEqual(form?.text("action"), "pause")
    XCTAssertEqual(form?.text("id"), "7")
    XCTAssertEqual(form?.text("note"), "a b!<")
    XCTAssertEqual(form?.text("bad"), "%zz")
    XCTAssertEqual(form?.text("empty"), "")
    XCTAssertNil(form?.text("missing"))
  }

  func testMultipartPartsKeepTheirBytesAndFileNames() throws {
    let file: [UInt8] = Array("d4:infod4:name1:xee".utf8) + [0, 13, 10, 0xff]
    var body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n".utf8)
    body += Array("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".torrent\"\r\n".utf8)
    body += Array("Content-Type: application/x-bittorrent\r\n\r\n".utf8) + file + Array("\r\n--XyZ--\r\n".utf8)
    let form = try XCTUnwrap(WebForm.parse(body, contentType: "multipart/form-data; boundary=\"XyZ\""))
    XCTAssertEqual(form.fields.count, 2)
    XCTAssertEqual(form.text("token"), "abc")
    XCTAssertEqual(form.field("file")?.fileName, "a \"b\".torrent")
    XCTAssertEqual(form.field("file")?.value, file)
  }

  func testTruncatedMultipartAndOtherTypesAreRefused() {
    let body = Array("--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc".utf8)
    XCTAssertNil(WebForm.parse(body, contentType: "multipart/form-data; boundary=XyZ"))
    XCTAssertNil(WebForm.parse(body, contentType: "multipart/form-data"))
    XCTAssertNil(WebForm.parse(body, contentType: "text/plain"))
  }
}
