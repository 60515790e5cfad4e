import DNS
import XCTest

/// Byte-exact replies to well-formed queries against Fixture.zone.
final class ResponderAnswerTests: XCTestCase {
  let noAnswer = hex("0001 0001")

  func testAQueryGetsTheAddressAuthoritativelyWithRDCopied() {
    XCTAssertEqual(
      respond(query("nas.home", QType.a)),
      hex("1234 8500 0001 0001 0000 0000") + wire("nas.home") + hex("0001 0001")
        + hex("c00c 0001 0001 0000003c 0004 c0a80001"))
  }

  func testRecursionDesiredClearStaysClear() {
    XCTAssertEqual(
      respond(query("printer.home", QType.a, id: 0xBEEF, flags: 0)),
      hex("beef 8400 0001 0001 0000 0000") + wire("printer.home") + hex("0001 0001")
        + hex("c00c 0001 0001 0000003c 0004 c0a80032"))
  }

  func testAAAAQueryGetsTheIPv6Address() {
    XCTAssertEqual(
      respond(query("nas.home", QType.aaaa)),
      hex("1234 8500 0001 0001 0000 0000") + wire("nas.home") + hex("001c 0001")
        + hex("c00c 001c 0001 0000003c 0010 fd000000000000000000000000000001"))
  }

  func testIPv4PTRAnswersTheFirstNameAddedForTheAddress() {
    let name = "1.0.168.192.in-addr.arpa"
    XCTAssertEqual(
      respond(query(name, QType.ptr)),
      hex("1234 8500 0001 0001 0000 0000") + wire(name) + hex("000c 0001")
        + hex("c00c 000c 0001 0000003c 000b") + wire("slug.home"))
  }

  func testIPv6PTRAnswersTheName() {
    let name = "1." + String(repeating: "0.", count: 29) + "d.f.ip6.arpa"
    XCTAssertEqual(
      respond(query(name, QType.ptr)),
      hex("1234 8500 0001 0001 0000 0000") + wire(name) + hex("000c 0001")
        + hex("c00c 000c 0001 0000003c 000a") + wire("nas.home"))
  }

  func testPTRKeepsTheCaseTheNameWasAddedIn() {
    var zone = Zone(localDomains: ["home"], serverName: "slug.home")
    zone.add(name: "Media.Home", ipv4: 0xC0A8_0007)
    XCTAssertEqual(
      respond(query("7.0.168.192.in-addr.arpa", QType.ptr), zone: zone).map { Array($0.suffix(12)) },
      wire("Media.Home"))
  }

  func testKnownNameAskedForAnotherTypeGetsNODATAWithTheSOA() {
    XCTAssertEqual(
      respond(query("nas.home", QType.mx)),
      hex("1234 8500 0001 0000 0001 0000") + wire("nas.home") + hex("000f 0001") + soa(apexOffset: 4))
  }

  func testUnknownNameInsideALocalDomainGetsNXDOMAINWithTheSOA() {
    XCTAssertEqual(
      respond(query("nope.home", QType.a)),
      hex("1234 8503 0001 0000 0001 0000") + wire("nope.home") + noAnswer + soa(apexOffset: 5))
  }

  func testEmptyNonTerminalGetsNODATANotNXDOMAIN() {
    XCTAssertEqual(
      respond(query("lounge.home", QType.a)),
      hex("1234 8500 0001 0000 0001 0000") + wire("lounge.home") + noAnswer + soa(apexOffset: 7))
  }

  func testNameOutsideEveryLocalDomainIsRefused() {
    XCTAssertEqual(
      respond(query("www.example.com", QType.a)),
      hex("1234 8105 0001 0000 0000 0000") + wire("www.example.com") + noAnswer)
  }

  func testKnownNameOutsideTheLocalDomainsIsAnsweredAndItsParentRefused() {
    XCTAssertEqual(
      respond(query("box.example.org", QType.a)),
      hex("1234 8500 0001 0001 0000 0000") + wire("box.example.org") + noAnswer
        + hex("c00c 0001 0001 0000003c 0004 0a000005"))
    XCTAssertEqual(
      respond(query("box.example.org", QType.mx)),
      hex("1234 8500 0001 0000 0000 0000") + wire("box.example.org") + hex("000f 0001"))
    XCTAssertEqual(
      respond(query("example.org", QType.a)),
      hex("1234 8105 0001 0000 0000 0000") + wire("example.org") + noAnswer)
  }

  func testSOAAtTheLocalApex() {
    XCTAssertEqual(
      respond(query("home", QType.soa)),
      hex("1234 8500 0001 0001 0000 0000") + wire("home") + hex("0006 0001") + soa(apexOffset: 0))
  }

  func testNSAtTheLocalApexNamesTheServer() {
    XCTAssertEqual(
      respond(query("home", QType.ns)),
      hex("1234 8500 0001 0001 0000 0000") + wire("home") + hex("0002 0001")
        + hex("c00c 0002 0001 0000003c 000b") + wire("slug.home"))
  }

  func testAddressQueryAtTheApexGetsNODATA() {
    XCTAssertEqual(
      respond(query("home", QType.a)),
      hex("1234 8500 0001 0000 0001 0000") + wire("home") + noAnswer + soa(apexOffset: 0))
  }

  func testSOAAndSerialFollowTheZoneSettings() {
    var zone = Fixture.zone
    zone.ttl = 300
    zone.serial = 7
    zone.serverName = "ns.lan"
    let reply = respond(query("home", QType.soa), zone: zone)
    XCTAssertEqual(
      reply.map { Array($0.dropFirst(22)) },
      hex("c00c 0006 0001 0000012c 0029") + wire("ns.lan") + [10] + Array("hostmaster".utf8)
        + hex("c00c 00000007 00000e10 00000258 00015180 0000012c"))
  }

  func testChangingTheTTLRewritesTheStoredRecords() {
    var zone = Fixture.zone
    zone.ttl = 0x0102_0304
    XCTAssertEqual(
      respond(query("nas.home", QType.a), zone: zone).map { Array($0.suffix(16)) },
      hex("c00c 0001 0001 01020304 0004 c0a80001"))
    XCTAssertEqual(
      respond(query("1.0.168.192.in-addr.arpa", QType.ptr), zone: zone).map { Array($0.suffix(23).prefix(12)) },
      hex("c00c 000c 0001 01020304 000b"))
  }

  func testChangingTheLocalDomainsMovesTheRefusalLine() {
    var zone = Fixture.zone
    zone.localDomains = ["lan"]
    XCTAssertEqual(respond(query("nope.home", QType.a), zone: zone).map { Array($0[2..<4]) }, hex("8105"))
    XCTAssertEqual(respond(query("nope.lan", QType.a), zone: zone).map { Array($0[2..<4]) }, hex("8503"))
  }

  func testANYAtTheApexOfANamedHostGetsEveryRecord() {
    var zone = Fixture.zone
    zone.add(name: "home", ipv4: 0xC0A8_0002)
    XCTAssertEqual(
      respond(query("home", 255), zone: zone),
      hex("1234 8500 0001 0003 0000 0000") + wire("home") + hex("00ff 0001")
        + hex("c00c 0001 0001 0000003c 0004 c0a80002") + soa(apexOffset: 0)
        + hex("c00c 0002 0001 0000003c 000b") + wire("slug.home"))
  }

  func testUnknownPTRInsideTheSlash24OfAKnownAddressGetsNXDOMAIN() {
    let name = "9.0.168.192.in-addr.arpa"
    XCTAssertEqual(
      respond(query(name, QType.ptr)),
      hex("1234 8503 0001 0000 0001 0000") + wire(name) + hex("000c 0001") + soa(apexOffset: 2))
  }

  func testPublicPTROutsideEveryKnownSlash24IsRefused() {
    let name = "1.1.0.198.in-addr.arpa"
    XCTAssertEqual(
      respond(query(name, QType.ptr)),
      hex("1234 8105 0001 0000 0000 0000") + wire(name) + hex("000c 0001"))
  }

  func testUnknownIPv6PTRInsideTheSlash64OfAKnownAddressGetsNXDOMAIN() {
    let name = "2." + String(repeating: "0.", count: 29) + "d.f.ip6.arpa"
    let reply = respond(query(name, QType.ptr))
    XCTAssertEqual(reply.map { Array($0[2..<12]) }, hex("8503 0001 0000 0001 0000"))
    XCTAssertEqual(reply.map { Array($0.suffix(56).prefix(2)) }, [0xC0, UInt8(12 + 32)])
  }

  func testNameIsMatchedInAnyCaseAndTheQuestionCaseIsEchoed() {
    XCTAssertEqual(
      respond(query("NaS.HoMe", QType.a)),
      hex("1234 8500 0001 0001 0000 0000") + wire("NaS.HoMe") + noAnswer
        + hex("c00c 0001 0001 0000003c 0004 c0a80001"))
    XCTAssertEqual(
      respond(query("NOPE.HOME", QType.a)),
      hex("1234 8503 0001 0000 0001 0000") + wire("NOPE.HOME") + noAnswer + soa(apexOffset: 5))
  }

  func testAnAddressAddedTwiceIsAnsweredOnce() {
    var zone = Fixture.zone
    zone.add(name: "NAS.home", ipv4: Fixture.slug)
    XCTAssertEqual(respond(query("nas.home", QType.a), zone: zone), respond(query("nas.home", QType.a)))
  }

  func testInvalidNamesAreNotAdded() {
    var zone = Fixture.zone
    XCTAssertFalse(zone.add(name: "a..home", ipv4: 1))
    XCTAssertFalse(zone.add(name: String(repeating: "x", count: 64) + ".home", ipv4: 1))
    XCTAssertFalse(zone.add(name: "", ipv4: 1))
    XCTAssertFalse(zone.add(name: "short.home", ipv6: [1, 2, 3]))
    XCTAssertTrue(zone.add(name: "ok.home", ipv4: 1))
  }

  func testTheResponseIntoAReusedBufferIsTheSame() {
    var buffer: [UInt8] = []
    let zone = Fixture.zone
    for message in [query("nas.home", QType.aaaa), query("nope.home", QType.a), query("home", QType.ns)] {
      XCTAssertEqual(Responder.respond(to: message[...], zone: zone, transport: .udp(maximum: 512), into: &buffer), .reply)
      XCTAssertEqual(buffer, respond(message))
    }
  }

  func testAQueryInsideALargerBufferIsReadFromItsSlice() {
    let message = [0xAA, 0xBB] + query("nas.home", QType.a) + [0xCC]
    XCTAssertEqual(
      Responder.respond(to: message[2..<(message.count - 1)], zone: Fixture.zone, transport: .tcp),
      respond(query("nas.home", QType.a)))
  }
}
