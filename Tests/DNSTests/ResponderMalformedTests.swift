import DNS
import TestSupport
import XCTest

/// What a server open to anyone receives: cut, corrupted and hostile messages. Each gets
/// FORMERR, NOTIMP or REFUSED if its header could be read, or is dropped; none traps.
final class ResponderMalformedTests: XCTestCase {
  /// FORMERR keeps the ID and RD and carries no sections.
  let formatError = hex("1234 8101 0000 0000 0000 0000")

  func testEveryTruncationOfAValidQueryIsDroppedOrFORMERR() {
    let full = query("nas.home", QType.a, payloadSize: 1232)
    for length in 0..<full.count {
      let reply = respond(Array(full.prefix(length)))
      if length < 12 {
        XCTAssertNil(reply, "length \(length)")
      } else {
        XCTAssertEqual(reply, formatError, "length \(length)")
      }
    }
  }

  func testAnExtendedLabelTypeIsFORMERR() {
    for lengthByte: UInt8 in [0x40, 0x80, 0x7F] {
      let message = hex("1234 0100 0001 0000 0000 0000") + [lengthByte] + Array(repeating: 0x61, count: 70) + [0]
        + hex("0001 0001")
      XCTAssertEqual(respond(message), formatError, "\(lengthByte)")
    }
  }

  func testALabelRunningPastTheEndIsFORMERR() {
    XCTAssertEqual(respond(hex("1234 0100 0001 0000 0000 0000 3f 616263 00 0001 0001")), formatError)
  }

  func testANameOver255BytesIsFORMERR() {
    let name = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".")
    XCTAssertEqual(respond(query(name, QType.a)), formatError)
  }

  func testANameOf255BytesIsAnswered() {
    let name = Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "."
      + String(repeating: "b", count: 61)
    XCTAssertEqual(wire(name).count, 255)
    XCTAssertEqual(respond(query(name, QType.a)).map { Array($0[2..<4]) }, hex("8105"))
  }

  func testAPointerToItselfIsFORMERR() {
    XCTAssertEqual(respond(hex("1234 0100 0001 0000 0000 0000 c00c 0001 0001")), formatError)
    XCTAssertEqual(respond(hex("1234 0100 0001 0000 0000 0000 03616263 c00c 0001 0001")), formatError)
  }

  func testAForwardPointerIsFORMERR() {
    XCTAssertEqual(
      respond(hex("1234 0100 0001 0000 0000 0000 03616263 c016 0001 0001 046e6f70 6500")), formatError)
  }

  func testAPointerBackIntoTheHeaderIsFollowedNotTrusted() {
    // Offset 4 holds QDCOUNT's high byte, 0: the root. "abc" + root is a name outside the zone.
    XCTAssertEqual(
      respond(hex("1234 0100 0001 0000 0000 0000 03616263 c004 0001 0001")),
      hex("1234 8105 0001 0000 0000 0000") + wire("abc") + hex("0001 0001"))
  }

  func testATruncatedPointerIsFORMERR() {
    XCTAssertEqual(respond(hex("1234 0100 0001 0000 0000 0000 03616263 c0")), formatError)
  }

  func testTwoOPTRecordsAreFORMERR() {
    let message = query("nas.home", QType.a, payloadSize: 1232)
    var twice = message + hex("00 0029 04d0 00000000 0000")
    twice[11] = 2
    XCTAssertEqual(respond(twice), formatError)
  }

  func testAnOPTWithANonRootOwnerIsFORMERR() {
    var message = query("nas.home", QType.a) + [1, 0x61, 0] + hex("0029 04d0 00000000 0000")
    message[11] = 1
    XCTAssertEqual(respond(message), formatError)
  }

  func testOtherAdditionalRecordsAreSteppedOver() {
    var message = query("nas.home", QType.a) + hex("c00c 0001 0001 00000000 0004 01020304")
    message += hex("00 0029 1000 00000000 0000")
    message[11] = 2
    XCTAssertEqual(respond(message).map { Array($0.suffix(11)) }, hex("00 0029 04d0 00000000 0000"))
  }

  func testNoQuestionOrTwoQuestionsAreFORMERR() {
    var none = query("nas.home", QType.a)
    none[5] = 0
    XCTAssertEqual(respond(none), formatError)
    var two = query("nas.home", QType.a) + wire("slug.home") + hex("0001 0001")
    two[5] = 2
    XCTAssertEqual(respond(two), formatError)
  }

  func testResponsesAreDropped() {
    XCTAssertNil(respond(query("nas.home", QType.a, flags: 0x8100)))
    XCTAssertNil(respond(query("nas.home", QType.a, flags: 0x8500)))
  }

  func testInverseQueryAndStatusGetNOTIMPWithTheOpcodeEchoed() {
    XCTAssertEqual(respond(query("nas.home", QType.a, flags: 0x0900)), hex("1234 8904 0000 0000 0000 0000"))
    XCTAssertEqual(respond(query("nas.home", QType.a, flags: 0x1000)), hex("1234 9004 0000 0000 0000 0000"))
  }

  func testAnUnknownClassIsRefused() {
    XCTAssertEqual(
      respond(query("nas.home", QType.a, recordClass: 3)),
      hex("1234 8105 0001 0000 0000 0000") + wire("nas.home") + hex("0001 0003"))
  }

  func testZoneTransfersAreRefused() {
    XCTAssertEqual(
      respond(query("home", 252), transport: .tcp),
      hex("1234 8105 0001 0000 0000 0000") + wire("home") + hex("00fc 0001"))
  }

  func testRandomBytesNeverTrapAndEveryReplyKeepsTheID() {
    var random = SplitMix64(seed: 0x5EED)
    let zone = Fixture.zone
    let valid = [query("nas.home", QType.a, payloadSize: 1232), query("9.0.168.192.in-addr.arpa", QType.ptr)]
    var replies = 0
    var buffer: [UInt8] = []
    for round in 0..<100_000 {
      var message: [UInt8]
      if round % 2 == 0 {
        message = (0..<Int.random(in: 0..<80, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        if message.count > 3 { message[2] &= 0x07 }
      } else {
        message = valid[round % 4 / 2]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
          message[Int.random(in: 0..<message.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        }
        message.removeLast(Int.random(in: 0...3, using: &random))
      }
      if Responder.respond(to: message[...], zone: zone, transport: .udp(maximum: 512), into: &buffer) == .reply {
        replies += 1
        XCTAssertEqual(Array(buffer.prefix(2)), Array(message.prefix(2)))
        XCTAssertLessThanOrEqual(buffer.count, 512)
      }
    }
    XCTAssertGreaterThan(replies, 50_000)
  }
}
