import DNS
import XCTest

/// EDNS0 (RFC 6891) and the size limits: truncation with TC, the full answer over TCP.
final class ResponderSizeTests: XCTestCase {
  let ourOPT = hex("00 0029 04d0 00000000 0000")

  /// "many.home" with 40 addresses: 12 + 15 + 40 * 16 = 667 bytes, over the 512 of plain UDP.
  var crowdedZone: Zone {
    var zone = Fixture.zone
    for host in 0..<40 { zone.add(name: "many.home", ipv4: 0x0A01_0000 + UInt32(host)) }
    return zone
  }

  func testEDNSQueryGetsOurOPTWithOurPayloadSize() {
    XCTAssertEqual(
      respond(query("nas.home", QType.a, payloadSize: 4096)),
      hex("1234 8500 0001 0001 0000 0001") + wire("nas.home") + hex("0001 0001")
        + hex("c00c 0001 0001 0000003c 0004 c0a80001") + ourOPT)
  }

  func testNegativeAnswersCarryTheOPTAfterTheSOA() {
    XCTAssertEqual(
      respond(query("nope.home", QType.a, payloadSize: 1232)),
      hex("1234 8503 0001 0000 0001 0001") + wire("nope.home") + hex("0001 0001") + soa(apexOffset: 5) + ourOPT)
  }

  func testUnknownEDNSVersionGetsBADVERS() {
    XCTAssertEqual(
      respond(query("nas.home", QType.a, payloadSize: 4096, ednsVersion: 1)),
      hex("1234 8100 0001 0000 0000 0001") + wire("nas.home") + hex("0001 0001") + hex("00 0029 04d0 01000000 0000"))
  }

  func testReplyOver512BytesWithoutEDNSIsTruncatedToTheQuestionWithTC() {
    XCTAssertEqual(
      respond(query("many.home", QType.a), zone: crowdedZone),
      hex("1234 8700 0001 0000 0000 0000") + wire("many.home") + hex("0001 0001"))
  }

  func testTheSameReplyFitsWithAnEDNSSizeOf4096() throws {
    let reply = try XCTUnwrap(respond(query("many.home", QType.a, payloadSize: 4096), zone: crowdedZone))
    XCTAssertEqual(reply.count, 667 + 11)
    XCTAssertEqual(Array(reply[2..<12]), hex("8500 0001 0028 0000 0001"))
    XCTAssertEqual(Array(reply.suffix(11)), ourOPT)
  }

  func testAnEDNSSizeBelow512CountsAs512() {
    XCTAssertEqual(
      respond(query("many.home", QType.a, payloadSize: 100), zone: crowdedZone),
      hex("1234 8700 0001 0000 0000 0001") + wire("many.home") + hex("0001 0001") + ourOPT)
  }

  func testTheCallersDatagramLimitWinsOverTheClientsSize() {
    XCTAssertEqual(
      respond(query("many.home", QType.a, payloadSize: 4096), zone: crowdedZone, transport: .udp(maximum: 600)),
      hex("1234 8700 0001 0000 0000 0001") + wire("many.home") + hex("0001 0001") + ourOPT)
  }

  func testOverTCPNothingIsTruncated() throws {
    let reply = try XCTUnwrap(respond(query("many.home", QType.a), zone: crowdedZone, transport: .tcp))
    XCTAssertEqual(reply.count, 667)
    XCTAssertEqual(Array(reply[2..<12]), hex("8500 0001 0028 0000 0000"))
    XCTAssertEqual(Array(reply.suffix(16)), hex("c00c 0001 0001 0000003c 0004 0a010027"))
  }

  func testAReplyTooLargeEvenForTCPIsTruncated() throws {
    var zone = Fixture.zone
    for host in 0..<2400 {
      var address = [UInt8](repeating: 0, count: 16)
      address[14] = UInt8(host >> 8)
      address[15] = UInt8(host & 0xFF)
      zone.add(name: "huge.home", ipv6: address)
    }
    XCTAssertEqual(
      respond(query("huge.home", QType.aaaa), zone: zone, transport: .tcp),
      hex("1234 8700 0001 0000 0000 0000") + wire("huge.home") + hex("001c 0001"))
  }
}
