import HTTP
import XCTest

final class ResponseParserTests: XCTestCase {
  private func parse(_ text: String) throws(HTTPParseError) -> (head: HTTPResponseHead, rest: [UInt8]) {
    let all = bytes(text)
    var whole = HTTPResponseParser()
    let expected = try whole.feed(all[...])
    for offset in all.indices {
      var split = HTTPResponseParser()
      var result: (head: HTTPResponseHead, rest: [UInt8])? = nil
      do {
        for index in all.indices where index >= offset || index == 0 {
          let chunk = index == 0 ? all[..<max(offset, 1)] : all[index...index]
          if let got = try split.feed(chunk) {
            result = (got.head, got.rest + all[(index + 1)...].prefix(0))
            let fed = index == 0 ? max(offset, 1) : index + 1
            result!.rest += all[fed...]
            break
          }
        }
      } catch {
        XCTFail("split at \(offset) threw \(error)")
      }
      XCTAssertEqual(result?.head, expected?.head, "split at \(offset)")
      XCTAssertEqual(result?.rest, expected?.rest, "split at \(offset)")
    }
    guard let expected else { throw .badRequest("incomplete") }
    return expected
  }

  func testAStatusLineAndFramingAreRead() throws {
    let (head, rest) = try parse("HTTP/1.1 206 Partial Content\r\nContent-Length: 4\r\nX: y\r\n\r\nbody")
    XCTAssertEqual(head.version, .http11)
    XCTAssertEqual(head.status, 206)
    XCTAssertEqual(head.reason, "Partial Content")
    XCTAssertEqual(head.contentLength, 4)
    XCTAssertEqual(head.keepAlive, true)
    XCTAssertEqual(head.headers.first("x"), "y")
    XCTAssertEqual(rest, bytes("body"))
  }

  func testAnEmptyOrMissingReasonIsAccepted() throws {
    XCTAssertEqual(try parse("HTTP/1.1 204 \r\n\r\n").head.reason, "")
    XCTAssertEqual(try parse("HTTP/1.0 200\r\n\r\n").head.status, 200)
  }

  func testChunkedWinsOverContentLengthInAResponseAndTheConnectionCloses() throws {
    let head = try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n").head
    XCTAssertTrue(head.isChunked)
    XCTAssertNil(head.contentLength)
    XCTAssertFalse(head.keepAlive)
  }

  func testBadStatusLinesAreErrors() {
    var parser = HTTPResponseParser()
    XCTAssertThrowsError(try parser.feed(bytes("HTTP/1.1 20 OK\r\n\r\n")[...])) {
      XCTAssertEqual($0 as? HTTPParseError, .badRequest("a malformed status code"))
    }
    parser = HTTPResponseParser()
    XCTAssertThrowsError(try parser.feed(bytes("HTTP/1.1 2000 OK\r\n\r\n")[...])) {
      XCTAssertEqual($0 as? HTTPParseError, .badRequest("a malformed status code"))
    }
    parser = HTTPResponseParser()
    XCTAssertThrowsError(try parser.feed(bytes("HTTP/2 200 OK\r\n\r\n")[...])) {
      XCTAssertEqual($0 as? HTTPParseError, .badRequest("a malformed HTTP version"))
    }
    parser = HTTPResponseParser()
    XCTAssertThrowsError(try parser.feed(bytes("ICY 200 OK\r\n\r\n")[...]))
    parser = HTTPResponseParser(maximumRequestLine: 10)
    XCTAssertThrowsError(try parser.feed(bytes("HTTP/1.1 200 Very long reason")[...])) {
      XCTAssertEqual($0 as? HTTPParseError, .headersTooLarge)
    }
  }
}

final class SerializeTests: XCTestCase {
  func testAResponseHeadIsWrittenWithTheDefaultReason() {
    var headers = HTTPHeaders()
    headers.add("Content-Length", "0")
    headers.add("X-Bad", "a\r\nSet-Cookie: x")
    XCTAssertEqual(
      String(decoding: serializeResponseHead(version: .http11, status: 404, headers: headers), as: UTF8.self),
      "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nX-Bad: a  Set-Cookie: x\r\n\r\n")
    XCTAssertEqual(
      String(decoding: serializeResponseHead(version: .http10, status: 200, reason: "Fine", headers: HTTPHeaders()), as: UTF8.self),
      "HTTP/1.0 200 Fine\r\n\r\n")
  }

  func testARequestHeadRoundTripsThroughTheParser() throws {
    let headers = HTTPHeaders([(name: "Host", value: "nas.home"), (name: "Via", value: "1.1 slug")])
    let bytes = serializeRequestHead(method: "GET", target: "/x?y", version: .http11, headers: headers)
    var parser = HTTPRequestParser()
    let head = try XCTUnwrap(try parser.feed(bytes[...])).head
    XCTAssertEqual(head.method, "GET")
    XCTAssertEqual(head.target, "/x?y")
    XCTAssertEqual(head.headers, headers)
  }

  func testHeadersAddRemoveAndLists() {
    var headers = HTTPHeaders()
    headers.add("Connection", "keep-alive, Upgrade")
    headers.add("connection", "x-foo")
    headers.add("Host", "h")
    XCTAssertEqual(headers.all("CONNECTION"), ["keep-alive, Upgrade", "x-foo"])
    XCTAssertEqual(headers.list("Connection"), ["keep-alive", "Upgrade", "x-foo"])
    XCTAssertTrue(headers.listContains("connection", "upgrade"))
    headers.remove("Connection")
    XCTAssertEqual(headers.fields.map(\.name), ["Host"])
    XCTAssertEqual(HTTPStatus.reason(416), "Range Not Satisfiable")
    XCTAssertEqual(HTTPStatus.reason(299), "Success")
  }
}
