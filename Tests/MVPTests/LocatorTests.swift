import MVP
import XCTest

final class LocatorTests: XCTestCase {
  /// An MVP at 192.168.0.42 (MAC 00:0D:FE:12:34:56) asking for replies on port 3000.
  let request: [UInt8] = [
    0x00, 0x00, 0x00, 0x01,  // sequence
    0xBA, 0xBE, 0xFA, 0xFE,  // ids
    0x00, 0x0D, 0xFE, 0x12, 0x34, 0x56, 0x00, 0x00,  // MVP MAC, pad
    0xC0, 0xA8, 0x00, 0x2A, 0x0B, 0xB8, 0x00, 0x00,  // MVP address, reply port 3000, pad
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // GUI server, port, pad
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // media server, port, pad
    0x00, 0x00, 0x00, 0x00,  // pad
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // console server, port, pad
  ]

  /// The answer of a server at 192.168.0.1 (MAC 52:54:00:AB:CD:EF) with the default ports.
  let reply: [UInt8] = [
    0x00, 0x00, 0x00, 0x01,  // sequence echoed
    0xFA, 0xFE, 0xBA, 0xBE,  // ids swapped
    0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF, 0x00, 0x00,  // server MAC, pad
    0xC0, 0xA8, 0x00, 0x2A, 0x08, 0x00, 0x00, 0x00,  // MVP address echoed, 2048, pad
    0xC0, 0xA8, 0x00, 0x01, 0x17, 0x12, 0x00, 0x00,  // GUI server 5906
    0xC0, 0xA8, 0x00, 0x01, 0x18, 0xC1, 0x00, 0x00,  // media server 6337
    0x00, 0x00, 0x00, 0x00,  // pad
    0xC0, 0xA8, 0x00, 0x01, 0x41, 0xF6, 0x00, 0x00,  // console 16886
  ]
  let server: UInt32 = 0xC0A8_0001
  let serverMAC: [UInt8] = [0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF]

  func testDecodesWhereTheMVPWantsItsReply() throws {
    XCTAssertEqual(
      try Locator.decode(request),
      LocatorRequest(
        sequence: 1, clientMAC: [0x00, 0x0D, 0xFE, 0x12, 0x34, 0x56], clientAddress: 0xC0A8_002A, clientPort: 3000))
  }

  func testReplyMatchesTheFixtureByteForByte() throws {
    XCTAssertEqual(Locator.reply(to: try Locator.decode(request), serverAddress: server, serverMAC: serverMAC), reply)
  }

  func testReplyEchoesTheSequence() throws {
    var numbered = request
    numbered[0...3] = [0xDE, 0xAD, 0xBE, 0xEF]
    let answer = Locator.reply(to: try Locator.decode(numbered), serverAddress: server, serverMAC: serverMAC)
    XCTAssertEqual(Array(answer[0...3]), [0xDE, 0xAD, 0xBE, 0xEF])
    XCTAssertEqual(Array(answer[4...]), Array(reply[4...]))
  }

  func testEveryTruncationIsRejectedWithItsSize() {
    for size in 0..<Locator.packetSize {
      XCTAssertThrowsError(try Locator.decode(request.prefix(size))) { error in
        XCTAssertEqual(error as? LocatorError, .wrongSize(size))
      }
    }
  }

  func testTwoRequestsGluedInOneDatagramAreRejected() {
    XCTAssertThrowsError(try Locator.decode(request + request)) { error in
      XCTAssertEqual(error as? LocatorError, .wrongSize(104))
    }
    XCTAssertThrowsError(try Locator.decode(request + [0])) { error in
      XCTAssertEqual(error as? LocatorError, .wrongSize(53))
    }
  }

  func testWrongIdsAreRejected() {
    for (offset, value) in [(4, 0xBB), (5, 0xBF), (6, 0xFB), (7, 0xFF)] {
      var wrong = request
      wrong[offset] = UInt8(value)
      XCTAssertThrowsError(try Locator.decode(wrong)) { error in
        XCTAssertEqual(error as? LocatorError, .wrongMagic)
      }
    }
    XCTAssertThrowsError(try Locator.decode(reply), "a reply fed back is not a request") { error in
      XCTAssertEqual(error as? LocatorError, .wrongMagic)
    }
  }

  func testPortsAreConfigurable() throws {
    let answer = Locator.reply(
      to: try Locator.decode(request), serverAddress: server, serverMAC: serverMAC,
      ports: LocatorPorts(gui: 0x0102, media: 0x0304, console: 0x0506))
    XCTAssertEqual(Array(answer[28...29]), [0x01, 0x02])
    XCTAssertEqual(Array(answer[36...37]), [0x03, 0x04])
    XCTAssertEqual(Array(answer[48...49]), [0x05, 0x06])
    XCTAssertEqual(LocatorPorts(), LocatorPorts(gui: 5906, media: 6337, console: 16886))
  }

  func testUnknownServerMACIsSentAsZeros() throws {
    let answer = Locator.reply(to: try Locator.decode(request), serverAddress: server, serverMAC: [])
    XCTAssertEqual(Array(answer[8...13]), [0, 0, 0, 0, 0, 0])
  }
}
