import HTTP
import TestSupport
import XCTest

/// The decoder's output, data merged until the end, so every split must agree.
private enum Decoded: Equatable {
  case body([UInt8], rest: [UInt8])
  case error(HTTPParseError)
}

private struct ChunkedStream: StreamDecoder {
  var decoder = ChunkedDecoder()
  var data: [UInt8] = []
  var rest: [UInt8] = []
  var done = false
  var failed = false

  mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [Decoded] {
    guard !failed else { return [] }
    do {
      let result = try decoder.feed(bytes)
      if done { rest += result.rest } else { data += result.data; rest = result.rest }
      done = result.done
      return []
    } catch {
      failed = true
      return [.error(error)]
    }
  }

  mutating func finish() throws -> [Decoded] { failed ? [] : done ? [.body(data, rest: rest)] : [] }
}

final class ChunkedTests: XCTestCase {
  private func check(_ text: String, _ expected: [Decoded], file: StaticString = #filePath, line: UInt = #line) {
    let failures = verifyDecoder(
      { ChunkedStream(decoder: ChunkedDecoder(maximumSizeLine: 100, maximumTrailerBytes: 200)) },
      inputs: [(bytes(text), expected)])
    XCTAssertEqual(failures, [], file: file, line: line)
  }

  func testChunksExtensionsAndTrailersDecodeTheSameWhateverTheSplit() {
    check(
      "5\r\nhello\r\n1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\nGET /",
      [.body(bytes("helloabcdefghijklmnopqrstuvwxyz"), rest: bytes("GET /"))])
    check("3 ; ext\nabc\n0\n\n", [.body(bytes("abc"), rest: [])])
    check("0\r\n\r\n", [.body([], rest: [])])
    check("1;" + String(repeating: "e", count: 97) + "\r\nx\r\n0\r\n\r\n", [.body(bytes("x"), rest: [])])
    check("0\r\n" + String(repeating: "X: y\r\n", count: 32) + "\r\n", [.body([], rest: [])])
  }

  func testMalformedChunksAreErrors() {
    check("5\r\nhello!\r\n0\r\n\r\n", [.error(.badRequest("chunk data longer than its size"))])
    check("x\r\n", [.error(.badRequest("a malformed chunk size"))])
    check("\r\n", [.error(.badRequest("a malformed chunk size"))])
    check("5 x\r\nhello\r\n", [.error(.badRequest("a malformed chunk size"))])
    check("-5\r\n", [.error(.badRequest("a malformed chunk size"))])
    check("1000000000000000\r\n", [.error(.badRequest("a malformed chunk size"))])
    check("5\rhello\r\n", [.error(.badRequest("a CR not followed by LF"))])
    check("1;" + String(repeating: "e", count: 99) + "\r\n", [.error(.badRequest("a chunk size line too long"))])
    check("0\r\n" + String(repeating: "X: y\r\n", count: 34), [.error(.headersTooLarge)])
  }

  func testEncodingRoundTrips() throws {
    XCTAssertEqual(Chunked.encode([][...]), [])
    let payload = Array(repeating: UInt8(ascii: "z"), count: 300)
    let encoded = Chunked.encode(bytes("hi")[...]) + Chunked.encode(payload[...]) + Chunked.end
    XCTAssertEqual(Array(encoded.prefix(4)), bytes("2\r\nh"))
    var decoder = ChunkedDecoder()
    let result = try decoder.feed(encoded[...])
    XCTAssertEqual(result.data, bytes("hi") + payload)
    XCTAssertTrue(result.done)
    XCTAssertEqual(try decoder.feed(bytes("next")[...]).rest, bytes("next"))
  }
}
