import XCTest

@testable import CTCS

/// in.ctcs's port serves ctorrent and browsers: the first line tells which.
final class ControlPortClientTests: XCTestCase {
  func classify(_ text: String) -> ControlPortClient? { ControlPortClient.classify(Array(text.utf8)[...]) }

  func testARequestLineIsABrowserWhateverTheMethodAndLineEnd() {
    XCTAssertEqual(classify("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), .browser)
    XCTAssertEqual(classify("POST /?a=b HTTP/1.0\n"), .browser)
    XCTAssertEqual(classify("\r\n\r\nHEAD / HTTP/1.1\r\n"), .browser, "empty lines before a request line are skipped")
    XCTAssertEqual(classify("DELETE /x HTTP/1.1\r\n"), .browser, "the page answers it 405")
    XCTAssertEqual(classify("GET / HTTP/2.0\r\n"), .browser, "the page answers it 505")
  }

  func testCtorrentsFirstLinesAndAnythingElseAreCtorrents() {
    XCTAssertEqual(classify("PROTOCOL 0003\n"), .ctorrent)
    XCTAssertEqual(classify("PROTOCOL 0003\r\nAUTH x HTTP/1.1\n"), .ctorrent, "only the first line counts")
    XCTAssertEqual(classify("AUTH x HTTP/1.1\n"), .ctorrent, "a password that looks like a version is not a request")
    XCTAssertEqual(classify("CTORRENT -CD0302-X 1 2 GET / HTTP/1.1\n"), .ctorrent)
    XCTAssertEqual(classify("GET /\n"), .ctorrent, "HTTP/0.9 is not served")
    XCTAssertEqual(classify("GET / HTTP/1.1 x\n"), .ctorrent)
    XCTAssertEqual(classify("GET / HTTQ/1.1\n"), .ctorrent)
    XCTAssertEqual(classify("get / HTTP/1.1\n"), .ctorrent, "methods are case-sensitive")
    XCTAssertEqual(classify("\u{0}\u{ff}\n"), .ctorrent)
  }

  func testAnIncompleteLineWaitsUntilTheLimit() {
    XCTAssertNil(classify(""))
    XCTAssertNil(classify("\r\n"))
    XCTAssertNil(classify("GET / HTTP/1.1"))
    XCTAssertNil(classify("PROTOCOL 00"))
    XCTAssertNil(classify(String(repeating: "A", count: ControlPortClient.maximumFirstLine - 1)))
    XCTAssertEqual(classify(String(repeating: "A", count: ControlPortClient.maximumFirstLine)), .ctorrent)
    XCTAssertEqual(classify(String(repeating: "\n", count: ControlPortClient.maximumFirstLine)), .ctorrent)
  }

  func testTheAnswerIsTheSameHoweverTheBytesArrive() {
    for text in ["GET /?torrent=3 HTTP/1.1\r\nHost: x\r\n\r\n", "PROTOCOL 0003\nCTORRENT -CD0302-X 1 2 f\n"] {
      let bytes = Array(text.utf8)
      let whole = ControlPortClient.classify(bytes[...])
      for end in 0...bytes.count {
        let answer = ControlPortClient.classify(bytes[..<end])
        XCTAssertTrue(answer == nil || answer == whole, "\(text.debugDescription) cut at \(end): \(String(describing: answer))")
      }
    }
  }
}
