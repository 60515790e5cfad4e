import DNS
import TestSupport
import XCTest

extension TCPFramer: StreamDecoder {}

/// RFC 7766 length framing: the same queries however the network cuts or glues them.
final class TCPFramerTests: XCTestCase {
  func testFramingPrefixesTheLength() {
    XCTAssertEqual(TCPFramer.frame([0xAB, 0xCD, 0xEF]), [0x00, 0x03, 0xAB, 0xCD, 0xEF])
    XCTAssertEqual(TCPFramer.frame(Array(repeating: 7, count: 300)).prefix(2), [0x01, 0x2C])
  }

  func testQueriesComeOutWholeHoweverTheStreamIsCut() {
    let first = query("nas.home", QType.a)
    let second = query("1.0.168.192.in-addr.arpa", QType.ptr, id: 2)
    let large = query("many.home", QType.a, id: 3) + Array(repeating: 0, count: 300)
    let inputs: [(bytes: [UInt8], messages: [[UInt8]])] = [
      (TCPFramer.frame(first), [first]),
      (TCPFramer.frame(second) + TCPFramer.frame(large), [second, large]),
      (TCPFramer.frame([0x42]), [[0x42]]),
    ]
    XCTAssertEqual(verifyDecoder({ TCPFramer() }, inputs: inputs), [])
  }

  func testAPartialMessageStaysBuffered() throws {
    var framer = TCPFramer()
    let framed = TCPFramer.frame(query("nas.home", QType.a))
    XCTAssertEqual(try framer.feed(framed.dropLast()[...]), [])
    XCTAssertEqual(framer.bufferedCount, framed.count - 1)
    XCTAssertEqual(try framer.feed(framed.suffix(1)[...]), [Array(framed.dropFirst(2))])
    XCTAssertEqual(framer.bufferedCount, 0)
  }

  func testAZeroLengthPrefixIsAnError() {
    var framer = TCPFramer()
    XCTAssertThrowsError(try framer.feed([0x00, 0x00, 0x00, 0x05][...])) { error in
      XCTAssertEqual(error as? TCPFramingError, .emptyMessage)
    }
  }
}
