@testable import DNS
import TestSupport
import XCTest

/// How long an answer is kept (RFC 2308 for negative ones), and the TTLs counted down.
final class CacheLifetimeTests: XCTestCase {
  private let key = Upstream.key("www.example.org", QType.a)

  private func lifetime(_ response: [UInt8], for key: CacheKey? = nil) -> Int64? {
    CacheLifetime.seconds(of: response[...], for: key ?? self.key)
  }

  func testPositiveAnswerLivesAsLongAsItsSmallestAnswerTTLCappedAtADay() {
    let two = Upstream.response(
      "www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 300), Upstream.a("www.example.org", ttl: 120, 2)],
      additional: [Upstream.a("other.example.org", ttl: 5)])
    XCTAssertEqual(lifetime(two), 120, "additional records do not shorten it")
    let long = Upstream.response("www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 604_800)])
    XCTAssertEqual(lifetime(long), 86400)
  }

  func testNegativeAnswersLiveMinOfSOATTLAndMinimumCappedAtAnHour() {
    let soa = { (ttl: UInt32, minimum: UInt32) in Upstream.soa("example.org", ttl: ttl, minimum: minimum) }
    let nxdomain = { (ttl: UInt32, minimum: UInt32) in
      Upstream.response("www.example.org", QType.a, code: ResponseCode.nameError, authority: [soa(ttl, minimum)])
    }
    XCTAssertEqual(lifetime(nxdomain(900, 300)), 300)
    XCTAssertEqual(lifetime(nxdomain(100, 600)), 100)
    XCTAssertEqual(lifetime(nxdomain(86400, 86400)), 3600)
    let nodata = Upstream.response("www.example.org", QType.a, authority: [soa(900, 240)])
    XCTAssertEqual(lifetime(nodata), 240, "NODATA is cached like NXDOMAIN")
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a, code: ResponseCode.nameError)), "no SOA, no caching")
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a)), "NODATA without a SOA")
  }

  func testACNAMEChainEndingInNoDataIsNegative() {
    let chain = Upstream.response(
      "www.example.org", QType.aaaa,
      answers: [Upstream.record("www.example.org", Upstream.cname, ttl: 600, data: wire("edge.example.net"))],
      authority: [Upstream.soa("example.net", ttl: 60, minimum: 60)])
    XCTAssertEqual(lifetime(chain, for: Upstream.key("www.example.org", QType.aaaa)), 60)
    let answered = Upstream.response(
      "www.example.org", QType.a,
      answers: [
        Upstream.record("www.example.org", Upstream.cname, ttl: 600, data: wire("edge.example.net")),
        Upstream.a("edge.example.net", ttl: 30),
      ])
    XCTAssertEqual(lifetime(answered), 30)
  }

  func testFailuresTruncatedAnswersAndZeroTTLsAreNotCached() {
    let answer = [Upstream.a("www.example.org", ttl: 300)]
    for code in [ResponseCode.serverFailure, ResponseCode.refused, ResponseCode.formatError, ResponseCode.notImplemented] {
      XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a, code: code, answers: answer)), "RCODE \(code)")
    }
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a, flags: 0x0200, answers: answer)), "TC")
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 0)])))
    XCTAssertNil(
      lifetime(Upstream.response("www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 0x8000_0000)])),
      "RFC 2181: a TTL with the top bit set is 0")
    XCTAssertNil(
      lifetime(Upstream.response("www.example.org", QType.a, answers: answer, additional: [Upstream.opt(extendedCode: 1)])),
      "BADVERS")
  }

  func testAnAnswerToAnotherQuestionOrAQueryIsNotCached() {
    let answer = [Upstream.a("www.example.org", ttl: 300)]
    XCTAssertNil(lifetime(Upstream.response("www.example.com", QType.a, answers: answer)))
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.aaaa, answers: answer)))
    var query = Upstream.response("www.example.org", QType.a, answers: answer)
    query[2] &= 0x7F
    XCTAssertNil(lifetime(query), "QR clear")
    XCTAssertEqual(lifetime(Upstream.response("WWW.Example.ORG", QType.a, answers: answer)), 300, "case does not matter")
  }

  func testBadMessagesAreNotCachedAndNeverTrap() {
    let good = Upstream.response(
      "www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 300)],
      authority: [Upstream.soa("example.org", ttl: 60, minimum: 60)], additional: [Upstream.opt()])
    XCTAssertEqual(lifetime(good), 300)
    for length in 0..<good.count {
      XCTAssertNil(lifetime(Array(good[0..<length])), "cut at \(length)")
    }
    XCTAssertNil(lifetime(good + [0]), "a byte after the last record")
    let shortSOA = Upstream.record(
      "example.org", QType.soa, ttl: 60, data: wire("ns.example.org") + wire("hostmaster.example.org") + [UInt8](repeating: 1, count: 16))
    XCTAssertNil(lifetime(Upstream.response("www.example.org", QType.a, code: ResponseCode.nameError, authority: [shortSOA])))
    var random = SplitMix64(seed: 21)
    for _ in 0..<2000 {
      var mutated = good
      for _ in 0..<3 { mutated[Int(random.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: random.next()) }
      _ = lifetime(mutated)
      var counted = mutated
      _ = CacheLifetime.countDown(&counted, by: 5)
      _ = CacheKey(message: mutated[...])
    }
  }

  func testCountDownLowersEveryTTLButOPTsAndStopsAtZero() {
    var response = Upstream.response(
      "www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 300)],
      authority: [Upstream.soa("example.org", ttl: 3600, minimum: 60)],
      additional: [Upstream.a("ns.example.org", ttl: 20), Upstream.opt(dnssecOK: true)])
    let opt = Upstream.ttls(response)[3]
    XCTAssertTrue(CacheLifetime.countDown(&response, by: 30))
    XCTAssertEqual(Upstream.ttls(response), [270, 3570, 0, opt])
  }

  func testKeysIgnoreCaseAndKeepDOAndCDApart() {
    XCTAssertEqual(Upstream.key("WWW.Example.ORG", QType.a), key)
    XCTAssertNotEqual(Upstream.key("www.example.org", QType.a, dnssecOK: true), key)
    XCTAssertNotEqual(Upstream.key("www.example.org", QType.a, checkingDisabled: true), key)
    XCTAssertNotEqual(Upstream.key("www.example.org", QType.aaaa), key)
    XCTAssertNil(CacheKey(name: [3] + Array("www".utf8), type: 1, recordClass: 1, dnssecOK: false, checkingDisabled: false))

    var asked = query("Www.Example.Org", QType.a, flags: 0x0110, payloadSize: 1232)
    XCTAssertEqual(CacheKey(message: asked[...]), Upstream.key("www.example.org", QType.a, checkingDisabled: true))
    asked[asked.count - 4] = 0x80  // the OPT's DO bit
    XCTAssertEqual(
      CacheKey(message: asked[...]), Upstream.key("www.example.org", QType.a, dnssecOK: true, checkingDisabled: true))
    XCTAssertNil(CacheKey(message: asked[0..<(asked.count - 1)]))
  }
}
