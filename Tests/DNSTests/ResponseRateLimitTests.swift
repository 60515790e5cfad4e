import DNS
import XCTest

/// Response rate limiting (nsd's rrl, the ISC design): per second, per client netblock and
/// question; past the rate replies are dropped, every slip-th truncated.
final class ResponseRateLimitTests: XCTestCase {
  let client: UInt32 = 0xC0A8_0005
  let now: Int64 = 1_800_000_000

  func reply(_ name: String, _ type: UInt16 = QType.a) -> [UInt8] { respond(query(name, type, payloadSize: 1232))! }

  func verdicts(_ limit: inout ResponseRateLimit, _ reply: [UInt8], count: Int, from source: UInt32? = nil, at time: Int64? = nil)
    -> [ResponseRateLimit.Verdict]
  {
    (0..<count).map { _ in limit.verdict(for: reply, toIPv4: source ?? client, now: time ?? now) }
  }

  func testPastTheRateEverySecondDroppedReplyIsTruncatedAndTheNextSecondStartsAfresh() {
    var limit = ResponseRateLimit(ratePerSecond: 3, slip: 2, seed: 1)
    let nas = reply("nas.home")
    XCTAssertEqual(verdicts(&limit, nas, count: 7), [.send, .send, .send, .drop, .truncate, .drop, .truncate])
    XCTAssertEqual(verdicts(&limit, nas, count: 1, at: now + 1), [.send])
  }

  func testBucketsAreKeyedByNetblockAndQuestionNotByCase() {
    var limit = ResponseRateLimit(ratePerSecond: 1, slip: 0, seed: 7)
    XCTAssertEqual(verdicts(&limit, reply("nas.home"), count: 2), [.send, .drop])
    XCTAssertEqual(verdicts(&limit, reply("NAS.Home"), count: 1), [.drop], "the same question in another case")
    XCTAssertEqual(verdicts(&limit, reply("nas.home"), count: 1, from: client + 1), [.drop], "the same /24")
    XCTAssertEqual(verdicts(&limit, reply("nas.home"), count: 1, from: client + 256), [.send], "another /24")
    XCTAssertEqual(verdicts(&limit, reply("nas.home", QType.aaaa), count: 1), [.send], "another type")
    XCTAssertEqual(verdicts(&limit, reply("slug.home"), count: 1), [.send], "another name")
  }

  func testIPv6ClientsShareA56AndMappedIPv4CountsAsIPv4() {
    var limit = ResponseRateLimit(ratePerSecond: 1, slip: 0, seed: 3)
    let nas = reply("nas.home")
    let first: [UInt8] = [0x20, 0x01, 0x0D, 0xB8, 0, 1, 0x02] + [UInt8](repeating: 0, count: 8) + [1]
    var sameBlock = first
    sameBlock[6] = 0x02
    sameBlock[15] = 9
    var otherBlock = first
    otherBlock[6] = 0x03
    XCTAssertEqual(limit.verdict(for: nas, toIPv6: first, now: now), .send)
    XCTAssertEqual(limit.verdict(for: nas, toIPv6: sameBlock, now: now), .drop)
    XCTAssertEqual(limit.verdict(for: nas, toIPv6: otherBlock, now: now), .send)
    let mapped: [UInt8] = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF, 0xC0, 0xA8, 0x00, 0x05]
    XCTAssertEqual(limit.verdict(for: nas, toIPv6: mapped, now: now), .send)
    XCTAssertEqual(limit.verdict(for: nas, toIPv4: client, now: now), .drop, "::ffff:192.168.0.5 is 192.168.0.5")
  }

  func testRateZeroNeverLimits() {
    var limit = ResponseRateLimit(ratePerSecond: 0, slip: 2, seed: 1)
    XCTAssertEqual(Set(verdicts(&limit, reply("nas.home"), count: 1000)), [.send])
  }

  func testATruncatedReplyIsTheQuestionWithTCAndNoRecords() {
    var nas = reply("nas.home")
    ResponseRateLimit.truncate(&nas)
    XCTAssertEqual(nas, hex("1234 8700 0001 0000 0000 0000") + wire("nas.home") + hex("0001 0001"))
  }

  func testServerFailureEchoesTheQuestionAndMalformedQueriesKeepTheirErrors() {
    XCTAssertEqual(
      Responder.serverFailure(to: query("nas.home", QType.a, payloadSize: 1232)[...]),
      hex("1234 8102 0001 0000 0000 0000") + wire("nas.home") + hex("0001 0001"))
    XCTAssertEqual(Responder.serverFailure(to: query("nas.home", QType.a, flags: 0x2100)[...])?[3], 0x04, "NOTIMP")
    XCTAssertNil(Responder.serverFailure(to: [0x12, 0x34, 0x81, 0x80][...]), "too short to answer")
  }
}
