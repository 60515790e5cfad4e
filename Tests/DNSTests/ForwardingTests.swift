import DNS
import XCTest

/// The responder leaves names outside every local zone to the forwarder when recursion is
/// available, and ForwardedQuery's RFC 5452 checks and reply rewriting, byte by byte.
final class ForwardingTests: XCTestCase {
  func outcome(_ message: [UInt8], recursionAvailable: Bool) -> (ResponderOutcome, [UInt8]) {
    var reply: [UInt8] = []
    let outcome = Responder.respond(
      to: message[...], zone: Fixture.zone, transport: .udp(maximum: 1232), recursionAvailable: recursionAvailable,
      into: &reply)
    return (outcome, reply)
  }

  /// Found by the fuzzer: a query whose question is compressed (a pointer into the header),
  /// fed back as its own answer, is shorter than its question written out; the reply is a
  /// SERVFAIL, never a trap.
  func testAnAnswerShorterThanItsQuestionGivesSERVFAIL() throws {
    let input: [UInt8] = [
      0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x31, 0x01, 0x00, 0xC0, 0x01,
      0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x00,
    ]
    let query = try XCTUnwrap(ForwardedQuery(query: input[...]))
    XCTAssertGreaterThan(12 + query.question.count, input.count)
    let reply = query.reply(from: input[...], transport: .tcp)
    XCTAssertEqual(reply[3] & 0x0F, 2, "SERVFAIL")
  }

  func testOutsideNamesAreForwardedOnlyWhenRecursionIsAvailable() {
    XCTAssertEqual(outcome(query("www.Example.com", QType.mx), recursionAvailable: true).0, .forward)
    let (refused, reply) = outcome(query("www.Example.com", QType.mx), recursionAvailable: false)
    XCTAssertEqual(refused, .reply)
    XCTAssertEqual(reply.prefix(4), [0x12, 0x34, 0x81, 0x05], "REFUSED, no RA")
    // Zone transfers and other classes are never forwarded, and REFUSED carries no RA.
    let (transfer, transferReply) = outcome(query("example.com", 252), recursionAvailable: true)
    XCTAssertEqual(transfer, .reply)
    XCTAssertEqual(transferReply[3], 0x05)
    XCTAssertEqual(outcome(query("example.com", QType.a, recordClass: 3), recursionAvailable: true).0, .reply)
  }

  func testLocalNamesAreAnsweredWithRAWhenRecursionIsAvailable() {
    for name in ["nas.home", "nothere.home", "9.0.168.192.in-addr.arpa"] {
      let (withRecursion, reply) = outcome(query(name, QType.a), recursionAvailable: true)
      XCTAssertEqual(withRecursion, .reply, name)
      var expected = respond(query(name, QType.a), transport: .udp(maximum: 1232))!
      expected[3] |= 0x80
      XCTAssertEqual(reply, expected, name)
    }
  }

  func testTheUpstreamQueryCarriesTheClientsQuestionOurIDAndEDNSWithTheClientsDOBit() throws {
    var asked = query("WwW.Example.COM", QType.aaaa, id: 0xBEEF, flags: 0x0110, payloadSize: 4096)
    asked[asked.count - 4] = 0x80  // DO
    let forwarded = try XCTUnwrap(ForwardedQuery(query: asked[...]))
    XCTAssertEqual(forwarded.clientID, 0xBEEF)
    XCTAssertTrue(forwarded.dnssecOK)
    XCTAssertEqual(
      forwarded.upstreamQuery(id: 0x0102),
      hex("0102 0110 0001 0000 0000 0001") + wire("WwW.Example.COM") + hex("001c 0001") + hex("00 0029 04d0 00 00 8000 0000"))
    let plain = try XCTUnwrap(ForwardedQuery(query: query("a.example", QType.a)[...]))
    XCTAssertEqual(plain.upstreamQuery(id: 1).suffix(11), hex("00 0029 04d0 00 00 0000 0000"))
    // For a server that knows no EDNS: no OPT, ARCOUNT 0.
    XCTAssertEqual(
      forwarded.upstreamQuery(id: 0x0102, edns: false),
      hex("0102 0110 0001 0000 0000 0000") + wire("WwW.Example.COM") + hex("001c 0001"))
    XCTAssertNil(ForwardedQuery(query: hex("1234 8100 0001 0000 0000 0000")[...] + wire("a") + hex("0001 0001")))
  }

  /// An upstream answer: ID 0x0102, QR RD RA (AA when `flags` says), one A record.
  func answer(
    _ name: String = "WwW.Example.COM", id: UInt16 = 0x0102, flags: UInt16 = 0x8580, edns: Bool = true
  ) -> [UInt8] {
    be(id) + be(flags) + be(1) + be(1) + be(0) + be(edns ? 1 : 0)
      + wire(name) + hex("0001 0001") + hex("c00c 0001 0001 0000012c 0004 c0000207")
      + (edns ? hex("00 0029 1000 00 00 0000 0000") : [])
  }

  func testOnlyOurIDQRAndExactQuestionAreAccepted() throws {
    let forwarded = try XCTUnwrap(ForwardedQuery(query: query("WwW.Example.COM", QType.a)[...]))
    XCTAssertEqual(forwarded.check(answer()[...], id: 0x0102), .accepted)
    XCTAssertEqual(forwarded.check(answer(id: 0x0103)[...], id: 0x0102), .foreign, "another ID")
    XCTAssertEqual(forwarded.check(answer(flags: 0x0580)[...], id: 0x0102), .foreign, "not a response")
    XCTAssertEqual(forwarded.check(answer("www.example.com")[...], id: 0x0102), .foreign, "the question's case differs")
    XCTAssertEqual(forwarded.check(answer("www.example.org")[...], id: 0x0102), .foreign, "another question")
    XCTAssertEqual(forwarded.check(answer().dropLast(3), id: 0x0102), .foreign, "cut short")
    XCTAssertEqual(forwarded.check(answer(flags: 0x8780)[...], id: 0x0102), .truncated)
    XCTAssertEqual(forwarded.check(answer(flags: 0x8582)[...], id: 0x0102), .failed, "SERVFAIL")
    XCTAssertEqual(forwarded.check(answer(flags: 0x8585)[...], id: 0x0102), .failed, "REFUSED")
    XCTAssertEqual(forwarded.check(answer(flags: 0x8581, edns: false)[...], id: 0x0102), .formatError, "FORMERR")
    XCTAssertEqual(forwarded.check(answer(flags: 0x8583)[...], id: 0x0102), .accepted, "NXDOMAIN is an answer")
  }

  func testTheReplyIsTheUpstreamsWithTheClientsIDRAOurEDNSAndNoAA() throws {
    let withEDNS = try XCTUnwrap(ForwardedQuery(query: query("WwW.Example.COM", QType.a, id: 0xBEEF, payloadSize: 1232)[...]))
    XCTAssertEqual(
      withEDNS.reply(from: answer()[...], transport: .udp(maximum: 1232)),
      hex("beef 8180 0001 0001 0000 0001") + wire("WwW.Example.COM") + hex("0001 0001")
        + hex("c00c 0001 0001 0000012c 0004 c0000207") + hex("00 0029 04d0 00 00 0000 0000"))
    let without = try XCTUnwrap(ForwardedQuery(query: query("WwW.Example.COM", QType.a, id: 0xBEEF)[...]))
    XCTAssertEqual(
      without.reply(from: answer()[...], transport: .udp(maximum: 1232)),
      hex("beef 8180 0001 0001 0000 0000") + wire("WwW.Example.COM") + hex("0001 0001")
        + hex("c00c 0001 0001 0000012c 0004 c0000207"))
    XCTAssertEqual(
      without.serverFailure(), hex("beef 8182 0001 0000 0000 0000") + wire("WwW.Example.COM") + hex("0001 0001"))
  }

  func testAReplyTooBigForTheClientIsTruncatedToTheQuestion() throws {
    let forwarded = try XCTUnwrap(ForwardedQuery(query: query("big.example", QType.a)[...]))
    var big = be(0x0102) + be(0x8180) + be(1) + be(40) + be(0) + be(0) + wire("big.example") + hex("0001 0001")
    for host in 0..<40 { big += hex("c00c 0001 0001 0000012c 0004 c00002") + [UInt8(host)] }
    XCTAssertEqual(forwarded.check(big[...], id: 0x0102), .accepted)
    XCTAssertEqual(
      forwarded.reply(from: big[...], transport: .udp(maximum: 1232)),
      hex("1234 8380 0001 0000 0000 0000") + wire("big.example") + hex("0001 0001"))
    XCTAssertEqual(forwarded.reply(from: big[...], transport: .tcp).count, big.count)
  }
}
