import DNS
import XCTest

/// --relay: only names outside the data and the local zones reach the system resolver, and
/// what it says becomes a non-authoritative answer.
final class ResponderRelayTests: XCTestCase {
  final class RecordingRelay {
    var questions: [RelayQuestion] = []
    let answer: RelayAnswer
    init(_ answer: RelayAnswer) { self.answer = answer }
    func ask(_ question: RelayQuestion) -> RelayAnswer {
      questions.append(question)
      return answer
    }
  }

  func testNamesInTheDataOrTheLocalZonesNeverReachTheRelay() {
    let relay = RecordingRelay(.failed)
    let local = [
      query("nas.home", QType.a), query("nas.home", QType.mx), query("nope.home", QType.a),
      query("1.0.168.192.in-addr.arpa", QType.ptr), query("9.0.168.192.in-addr.arpa", QType.ptr),
      query("box.example.org", QType.aaaa),
    ]
    for message in local {
      XCTAssertEqual(respond(message, relay: relay.ask), respond(message))
    }
    XCTAssertEqual(relay.questions, [])
  }

  func testAnAddressQueryOutsideTheDataIsRelayedInTheClientsCase() {
    let relay = RecordingRelay(.addresses(ipv4: [0x5DB8_D822], ipv6: []))
    XCTAssertEqual(
      respond(query("WWW.Example.com", QType.a), relay: relay.ask),
      hex("1234 8100 0001 0001 0000 0000") + wire("WWW.Example.com") + hex("0001 0001")
        + hex("c00c 0001 0001 0000003c 0004 5db8d822"))
    XCTAssertEqual(relay.questions, [RelayQuestion(name: "WWW.Example.com", type: QType.a)])
  }

  func testRelayedIPv6AddressesAnswerAAAAOnly() {
    let address: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]
    let relay = RecordingRelay(.addresses(ipv4: [0x5DB8_D822], ipv6: [address]))
    XCTAssertEqual(
      respond(query("www.example.com", QType.aaaa), relay: relay.ask),
      hex("1234 8100 0001 0001 0000 0000") + wire("www.example.com") + hex("001c 0001")
        + hex("c00c 001c 0001 0000003c 0010") + address)
  }

  func testARelayedPTRAnswersTheName() {
    let relay = RecordingRelay(.name("dns.google"))
    XCTAssertEqual(
      respond(query("8.8.8.8.in-addr.arpa", QType.ptr), relay: relay.ask),
      hex("1234 8100 0001 0001 0000 0000") + wire("8.8.8.8.in-addr.arpa") + hex("000c 0001")
        + hex("c00c 000c 0001 0000003c 000c") + wire("dns.google"))
  }

  func testRelayNotFoundIsNXDOMAINAndFailureIsSERVFAIL() {
    XCTAssertEqual(
      respond(query("no.example.com", QType.a), relay: RecordingRelay(.notFound).ask),
      hex("1234 8103 0001 0000 0000 0000") + wire("no.example.com") + hex("0001 0001"))
    XCTAssertEqual(
      respond(query("no.example.com", QType.a), relay: RecordingRelay(.failed).ask),
      hex("1234 8102 0001 0000 0000 0000") + wire("no.example.com") + hex("0001 0001"))
  }

  func testOtherTypesAndOddNamesAreRefusedWithoutAskingTheRelay() {
    let relay = RecordingRelay(.failed)
    XCTAssertEqual(
      respond(query("www.example.com", QType.mx), relay: relay.ask),
      hex("1234 8105 0001 0000 0000 0000") + wire("www.example.com") + hex("000f 0001"))
    let dotInLabel = hex("1234 0100 0001 0000 0000 0000 03612e62 03636f6d 00 0001 0001")
    XCTAssertEqual(respond(dotInLabel, relay: relay.ask).map { Array($0[2..<4]) }, hex("8105"))
    XCTAssertEqual(relay.questions, [])
  }
}
