import HTTP
import TestSupport
import XCTest

final class RequestParserTests: XCTestCase {
  /// Every request is checked whole, byte by byte, split at every offset and glued.
  private func check(
    _ text: String, _ expected: [Parsed], line: Int = 8192, head: Int = 65536, file: StaticString = #filePath,
    sourceLine: UInt = #line
  ) {
    let failures = verifyDecoder(
      { MergedRequestStream(maximumRequestLine: line, maximumHeadBytes: head) },
      inputs: [(bytes(text), expected)])
    XCTAssertEqual(failures, [], file: file, line: sourceLine)
  }

  private func checkError(
    _ text: String, _ error: HTTPParseError, line: Int = 8192, head: Int = 65536, file: StaticString = #filePath,
    sourceLine: UInt = #line
  ) {
    check(text, [.error(error)], line: line, head: head, file: file, sourceLine: sourceLine)
  }

  func testASimpleGETIsParsedTheSameWhateverTheSplit() {
    check(
      "GET /index.html HTTP/1.1\r\nHost: slug.home\r\nUser-Agent: curl/8\r\n\r\n",
      [.head("GET /index.html http11 [Host=slug.home,User-Agent=curl/8] keepAlive=true length=- chunked=false")])
  }

  func testPipelinedRequestsWithBodiesComeOutInOrder() {
    check(
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
      [
        .head("POST /a http11 [Host=h,Content-Length=5] keepAlive=true length=5 chunked=false"),
        .body(bytes("hello")),
        .head("GET /b http11 [Host=h,Connection=close] keepAlive=false length=- chunked=false"),
      ])
  }

  func testTheRestAfterTheHeadIsReturned() throws {
    var parser = HTTPRequestParser()
    let result = try parser.feed(bytes("GET / HTTP/1.0\r\n\r\nbody")[...])
    XCTAssertEqual(result?.rest, bytes("body"))
    XCTAssertEqual(result?.head.version, .http10)
    XCTAssertEqual(result?.head.keepAlive, false)
    XCTAssertEqual(parser.bufferedCount, 0)
    XCTAssertNil(try parser.feed(bytes("GET / HT")[...]))
    XCTAssertEqual(parser.bufferedCount, 8)
  }

  func testHTTP10KeepsAliveOnlyWhenAsked() {
    check(
      "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
      [.head("GET / http10 [Connection=Keep-Alive] keepAlive=true length=- chunked=false")])
    check(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, CLOSE\r\n\r\n",
      [.head("GET / http11 [Host=h,Connection=foo, CLOSE] keepAlive=false length=- chunked=false")])
  }

  func testALaterHTTP1MinorVersionIsAnsweredAs11() {
    check("GET / HTTP/1.7\r\nHost: h\r\n\r\n", [.head("GET / http11 [Host=h] keepAlive=true length=- chunked=false")])
  }

  func testOtherVersionsAre505AndGarbageIs400() {
    checkError("GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion)
    checkError("GET / HTTP/0.9\r\n\r\n", .unsupportedVersion)
    checkError("GET / HTTP/1.1x\r\n\r\n", .badRequest("a malformed HTTP version"))
    checkError("GET / http/1.1\r\n\r\n", .badRequest("a malformed HTTP version"))
    checkError("GET / HTTP/11\r\n\r\n", .badRequest("a malformed HTTP version"))
    checkError("GET /\r\n\r\n", .badRequest("a request line that is not method, target and version"))
  }

  func testBadRequestLinesSayWhatIsWrong() {
    checkError("GET  / HTTP/1.1\r\n\r\n", .badRequest("a request line that is not method, target and version"))
    checkError("G(T / HTTP/1.1\r\n\r\n", .badRequest("a malformed method"))
    checkError("GET /a\u{7F}b HTTP/1.1\r\n\r\n", .badRequest("a bad character in the request target"))
    checkError("GET /a\tb HTTP/1.1\r\n\r\n", .badRequest("a bad character in the request target"))
    checkError("GET / HTTP/1.1\rHost: h\r\n\r\n", .badRequest("a CR not followed by LF"))
  }

  func testEmptyLinesBeforeTheRequestLineAreSkipped() {
    check("\r\n\n\r\nGET / HTTP/1.0\r\n\r\n", [.head("GET / http10 [] keepAlive=false length=- chunked=false")])
  }

  func testABareLFEndsALine() {
    check(
      "GET / HTTP/1.1\nHost: h\n\n",
      [.head("GET / http11 [Host=h] keepAlive=true length=- chunked=false")])
  }

  func testObsoleteLineFoldingAndStrayWhitespaceAreRejected() {
    checkError("GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", .badRequest("obsolete line folding"))
    checkError("GET / HTTP/1.1\r\n Host: h\r\n\r\n", .badRequest("whitespace before the first header field"))
    checkError(
      "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .badRequest("whitespace between a header field name and its colon"))
    checkError("GET / HTTP/1.1\r\nHost h\r\n\r\n", .badRequest("a header line without a colon"))
    checkError("GET / HTTP/1.1\r\n: h\r\n\r\n", .badRequest("an empty header field name"))
    checkError("GET / HTTP/1.1\r\nHo/st: h\r\n\r\n", .badRequest("a bad character in a header field name"))
    checkError("GET / HTTP/1.1\r\nHost: h\u{01}\r\n\r\n", .badRequest("a control character in a header field value"))
  }

  func testFieldValuesAreTrimmedAndNamesKeptAsSent() throws {
    var parser = HTTPRequestParser()
    let head = try XCTUnwrap(try parser.feed(bytes("GET / HTTP/1.1\r\nhOST:   h \t\r\nX-Empty:\r\n\r\n")[...])).head
    XCTAssertEqual(head.headers.fields.map(\.name), ["hOST", "X-Empty"])
    XCTAssertEqual(head.headers.first("host"), "h")
    XCTAssertEqual(head.headers.first("x-empty"), "")
    XCTAssertNil(head.headers.first("Accept"))
  }

  func testHTTP11NeedsExactlyOneHost() {
    checkError("GET / HTTP/1.1\r\n\r\n", .badRequest("no Host field"))
    checkError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .badRequest("more than one Host field"))
  }

  func testContentLengthIsValidated() {
    check(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc",
      [
        .head("POST / http11 [Host=h,Content-Length=3, 3,Content-Length=3] keepAlive=true length=3 chunked=false"),
        .body(bytes("abc")),
      ])
    checkError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .badRequest("conflicting Content-Length values"))
    checkError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", .badRequest("conflicting Content-Length values"))
    checkError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", .badRequest("a malformed Content-Length"))
    checkError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n", .badRequest("a malformed Content-Length"))
    checkError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", .badRequest("a malformed Content-Length"))
    checkError(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9999999999999999999\r\n\r\n", .badRequest("a malformed Content-Length"))
  }

  func testTransferEncodingFraming() {
    check(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n",
      [.head("POST / http11 [Host=h,Transfer-Encoding=gzip, Chunked] keepAlive=true length=- chunked=true")])
    checkError(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
      .badRequest("both Transfer-Encoding and Content-Length"))
    checkError(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
      .badRequest("a request Transfer-Encoding that does not end in chunked"))
    checkError(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      .badRequest("chunked is not the final transfer coding"))
    checkError(
      "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", .badRequest("Transfer-Encoding in an HTTP/1.0 message"))
  }

  func testALongRequestLineIs414AndLongFieldsAre431() {
    let target = "/" + String(repeating: "a", count: 100)
    let request = "GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n"
    check(request, [.head("GET \(target) http11 [Host=h] keepAlive=true length=- chunked=false")], line: 115)
    checkError(request, .uriTooLong, line: 114)
    checkError("GET \(target)", .uriTooLong, line: 50)
    let field = "X: " + String(repeating: "b", count: 100)
    checkError("GET / HTTP/1.1\r\nHost: h\r\n\(field)\r\n\r\n", .headersTooLarge, line: 100)
    checkError("GET / HTTP/1.1\r\nHost: h\r\n\(field)", .headersTooLarge, line: 100)
    let many = String(repeating: "\(field)\r\n", count: 10)
    checkError("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", .headersTooLarge, line: 200, head: 1000)
    check(
      "GET / HTTP/1.1\r\nHost: h\r\n\r\n", [.head("GET / http11 [Host=h] keepAlive=true length=- chunked=false")],
      line: 200, head: 26)
    checkError("GET / HTTP/1.1\r\nHost: h\r\n\r\n", .headersTooLarge, line: 200, head: 25)
    // The request line over both limits: the one crossed first wins, whatever the split.
    checkError("\r\n\r\nGET \(target) HTTP/1.1\r\n\r\n", .headersTooLarge, line: 100, head: 60)
  }

  func testAnErrorIsFinal() {
    var parser = HTTPRequestParser()
    XCTAssertThrowsError(try parser.feed(bytes("GET / HTTP/9.9\r\n\r\n")[...]))
    XCTAssertThrowsError(try parser.feed(bytes("GET / HTTP/1.0\r\n\r\n")[...])) { error in
      XCTAssertEqual(error as? HTTPParseError, .unsupportedVersion)
    }
  }

  func testErrorsMapToStatuses() {
    XCTAssertEqual(HTTPParseError.badRequest("x").status, 400)
    XCTAssertEqual(HTTPParseError.uriTooLong.status, 414)
    XCTAssertEqual(HTTPParseError.headersTooLarge.status, 431)
    XCTAssertEqual(HTTPParseError.unsupportedVersion.status, 505)
  }
}
