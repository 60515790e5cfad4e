import XCTest

@testable import CTCS

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
