import DHCP
import Store
import XCTest

/// The server's decisions, exchange by exchange, on a 192.168.0.0/24 with a small pool.
final class ServerTests: XCTestCase {
  let serverAddress = address("192.168.0.1")
  let now: Int64 = 1_800_000_000
  let laptop: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
  let phone: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
  let mvp: [UInt8] = [0x00, 0x0D, 0xFE, 0x23, 0x79, 0xE0]
  let arrival = DHCPArrival(interface: "eth0", localAddress: address("192.168.0.1"))

  func subnet(pool: ClosedRange<UInt32>? = nil) -> DHCPSubnet {
    DHCPSubnet(
      interface: "eth0", network: address("192.168.0.0"), mask: address("255.255.255.0"),
      pools: [pool ?? address("192.168.0.100")...address("192.168.0.102")], leaseSeconds: 3600,
      ownAddress: serverAddress,
      options: [
        DHCPOption(code: 3, bytes: [192, 168, 0, 1]), DHCPOption(code: 6, bytes: [192, 168, 0, 1]),
        DHCPOption(code: 15, bytes: Array("home".utf8)),
      ],
      hosts: [
        DHCPHost(
          hardwareAddress: mvp, address: address("192.168.0.3"), hostname: "mvp-lounge",
          nextServer: address("192.168.0.9"), filename: Array("dongle.bin".utf8),
          options: [DHCPOption(code: 15, bytes: Array("mvp.home".utf8))])
      ])
  }

  func message(
    _ type: DHCPMessageType, from mac: [UInt8], options: [DHCPOption] = [], ciaddr: UInt32 = 0, giaddr: UInt32 = 0,
    xid: UInt32 = 7
  ) -> DHCPMessage {
    DHCPMessage(
      op: DHCPMessage.bootRequest, xid: xid, ciaddr: ciaddr, giaddr: giaddr, chaddr: mac, messageType: type,
      options: options)
  }

  func requested(_ text: String) -> DHCPOption { DHCPOption(code: 50, bytes: bytes(text)) }
  func server(_ text: String) -> DHCPOption { DHCPOption(code: 54, bytes: bytes(text)) }

  /// DISCOVER then REQUEST as a client in SELECTING does it; returns the ACK's outcome.
  func lease(_ server: inout DHCPServer, _ mac: [UInt8], extra: [DHCPOption] = []) -> (DHCPOutcome, DHCPOutcome) {
    let offer = server.handle(message(.discover, from: mac, options: extra), arrival: arrival, now: now)
    let offered = offer.reply?.message.yiaddr ?? 0
    let ack = server.handle(
      message(.request, from: mac, options: [requested(dotted(offered)), self.server("192.168.0.1")] + extra),
      arrival: arrival, now: now)
    return (offer, ack)
  }

  func testOfferAndAckAgreeAndTheAckWaitsForOneCommittedActiveLease() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let (offer, ack) = lease(&server, laptop, extra: [DHCPOption(code: 12, bytes: Array("Bob's Laptop.local".utf8))])
    XCTAssertEqual(offer.reply?.message.messageType, .offer)
    XCTAssertEqual(offer.reply?.message.yiaddr, address("192.168.0.100"))
    XCTAssertEqual(offer.changes, [], "an offer is not stored")
    XCTAssertEqual(ack.reply?.message.messageType, .ack)
    XCTAssertEqual(ack.reply?.message.yiaddr, address("192.168.0.100"))
    XCTAssertEqual(ack.changes.count, 1)
    let stored = ack.changes[0]
    XCTAssertEqual(stored.event, .add)
    XCTAssertEqual(stored.lease.state, .active)
    XCTAssertEqual(stored.lease.expiry, now + 3600)
    XCTAssertEqual(stored.lease.hostname, "bob-s-laptop", "option 12 cut to one DNS label")
    XCTAssertEqual(ack.reply?.destination, .broadcast)
    XCTAssertEqual(ack.reply?.message.serverIdentifier, serverAddress)
    XCTAssertEqual(ack.reply?.message.leaseTime, 3600)
    XCTAssertEqual(ack.reply?.message.option(58), [0, 0, 0x07, 0x08], "T1 half the lease")
    XCTAssertEqual(ack.reply?.message.option(59), [0, 0, 0x0C, 0x4E], "T2 7/8 of the lease")
  }

  func testAClientGetsItsPreviousAddressThenTheOneItAsksForThenTheNextFreeOne() {
    var server = DHCPServer(
      subnets: [subnet()],
      leases: ["eth0": [
        DHCPLease(
          address: address("192.168.0.102"), client: DHCPClient(hardwareAddress: laptop, identifier: nil),
          start: now - 7200, expiry: now - 3600, state: .active)
      ]])
    let returning = server.handle(
      message(.discover, from: laptop, options: [requested("192.168.0.101")]), arrival: arrival, now: now)
    XCTAssertEqual(returning.reply?.message.yiaddr, address("192.168.0.102"), "its expired lease, still free")
    let asking = server.handle(
      message(.discover, from: phone, options: [requested("192.168.0.101")]), arrival: arrival, now: now)
    XCTAssertEqual(asking.reply?.message.yiaddr, address("192.168.0.101"))
    let other = server.handle(message(.discover, from: [2, 0, 0, 0, 0, 3]), arrival: arrival, now: now)
    XCTAssertEqual(other.reply?.message.yiaddr, address("192.168.0.100"))
  }

  func testAFullPoolOffersNothingAndSaysSoUntilALeaseLapses() {
    var server = DHCPServer(subnets: [subnet(pool: address("192.168.0.100")...address("192.168.0.100"))], leases: [:])
    _ = lease(&server, laptop)
    let refused = server.handle(message(.discover, from: phone), arrival: arrival, now: now)
    XCTAssertNil(refused.reply)
    XCTAssertEqual(refused.severity, .warning)
    XCTAssertTrue(refused.log.contains("no free address"), refused.log)
    let later = server.handle(message(.discover, from: phone), arrival: arrival, now: now + 3601)
    XCTAssertEqual(later.reply?.message.yiaddr, address("192.168.0.100"), "the lapsed lease's address is reused")
  }

  func testAFixedHostGetsItsAddressBootFieldsAndOwnOptionsOverTheSubnets() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let (offer, ack) = lease(&server, mvp)
    for reply in [offer.reply, ack.reply] {
      XCTAssertEqual(reply?.message.yiaddr, address("192.168.0.3"))
      XCTAssertEqual(reply?.message.siaddr, address("192.168.0.9"))
      XCTAssertEqual(Array(reply?.message.file.prefix(10) ?? []), Array("dongle.bin".utf8))
      XCTAssertEqual(reply?.message.option(15), Array("mvp.home".utf8))
      XCTAssertEqual(reply?.message.option(12), Array("mvp-lounge".utf8))
      XCTAssertEqual(reply?.message.option(3), [192, 168, 0, 1])
    }
    XCTAssertEqual(ack.changes.first?.lease.hostname, "mvp-lounge")
    // The pool never hands out a fixed host's address, even when asked.
    let thief = server.handle(
      message(.request, from: phone, options: [requested("192.168.0.3")]), arrival: arrival, now: now)
    XCTAssertEqual(thief.reply?.message.messageType, .nak)
  }

  func testAFixedHostIsFoundByClientIdentifierToo() {
    var configured = subnet()
    configured.hosts = [DHCPHost(hardwareAddress: [9, 9, 9, 9, 9, 9], clientIdentifier: Array("wii".utf8), address: address("192.168.0.4"))]
    var server = DHCPServer(subnets: [configured], leases: [:])
    let offer = server.handle(
      message(.discover, from: laptop, options: [DHCPOption(code: 61, bytes: Array("wii".utf8))]), arrival: arrival,
      now: now)
    XCTAssertEqual(offer.reply?.message.yiaddr, address("192.168.0.4"))
  }

  func testARequestForAnotherServerIsIgnoredAndFreesOurOffer() {
    var server = DHCPServer(subnets: [subnet(pool: address("192.168.0.100")...address("192.168.0.100"))], leases: [:])
    let offer = server.handle(message(.discover, from: laptop), arrival: arrival, now: now)
    XCTAssertEqual(offer.reply?.message.yiaddr, address("192.168.0.100"))
    let elsewhere = server.handle(
      message(.request, from: laptop, options: [requested("192.168.0.100"), self.server("192.168.0.254")]),
      arrival: arrival, now: now)
    XCTAssertNil(elsewhere.reply)
    XCTAssertEqual(elsewhere.changes, [])
    let next = server.handle(message(.discover, from: phone), arrival: arrival, now: now)
    XCTAssertEqual(next.reply?.message.yiaddr, address("192.168.0.100"), "the offer was withdrawn")
  }

  func testWrongAddressesAreNAKedWithAReasonAndBroadcast() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    _ = lease(&server, laptop)
    let cases: [(DHCPMessage, String)] = [
      (message(.request, from: phone, options: [requested("10.1.2.3")]), "not on eth0's network"),
      (message(.request, from: phone, options: [requested("192.168.0.100")]), "not available"),
      (message(.request, from: phone, options: [requested("192.168.0.50")]), "not available"),
      (message(.request, from: mvp, options: [requested("192.168.0.101")]), "fixed address is 192.168.0.3"),
    ]
    for (request, reason) in cases {
      let outcome = server.handle(request, arrival: arrival, now: now)
      XCTAssertEqual(outcome.reply?.message.messageType, .nak, reason)
      XCTAssertEqual(outcome.reply?.destination, .broadcast)
      XCTAssertEqual(outcome.reply?.message.yiaddr, 0)
      XCTAssertTrue(String(decoding: outcome.reply?.message.option(56) ?? [], as: UTF8.self).contains(reason), reason)
      XCTAssertEqual(outcome.changes, [])
    }
  }

  func testRenewingIsUnicastToTheClientAndRecordedAsOld() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    _ = lease(&server, laptop)
    let renewal = server.handle(
      message(.request, from: laptop, ciaddr: address("192.168.0.100")), arrival: arrival, now: now + 1800)
    XCTAssertEqual(renewal.reply?.message.messageType, .ack)
    XCTAssertEqual(renewal.reply?.destination, .client(address("192.168.0.100")))
    XCTAssertEqual(renewal.reply?.message.ciaddr, address("192.168.0.100"))
    XCTAssertEqual(renewal.changes.map(\.event), [.old])
    XCTAssertEqual(renewal.changes.first?.lease.expiry, now + 1800 + 3600)
  }

  func testInitRebootIntoAnotherAddressReleasesTheOldLease() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    _ = lease(&server, laptop)
    let moved = server.handle(
      message(.request, from: laptop, options: [requested("192.168.0.102")]), arrival: arrival, now: now)
    XCTAssertEqual(moved.reply?.message.messageType, .ack)
    XCTAssertEqual(moved.changes.map(\.event), [.del, .add])
    XCTAssertEqual(moved.changes.first?.lease.address, address("192.168.0.100"))
    XCTAssertEqual(moved.changes.first?.lease.state, .released)
  }

  func testDeclineQuarantinesTheAddressAndReleaseFreesIt() {
    var server = DHCPServer(subnets: [subnet(pool: address("192.168.0.100")...address("192.168.0.101"))], leases: [:])
    _ = lease(&server, laptop)
    let declined = server.handle(
      message(.decline, from: laptop, options: [requested("192.168.0.100"), self.server("192.168.0.1")]),
      arrival: arrival, now: now)
    XCTAssertNil(declined.reply)
    XCTAssertEqual(declined.changes.map(\.lease.state), [.declined])
    XCTAssertEqual(declined.changes.first?.lease.expiry, now + DHCPServer.declineHoldSeconds)
    let next = server.handle(message(.discover, from: laptop), arrival: arrival, now: now)
    XCTAssertEqual(next.reply?.message.yiaddr, address("192.168.0.101"), "the declined address is skipped")
    _ = server.handle(
      message(.request, from: laptop, options: [requested("192.168.0.101"), self.server("192.168.0.1")]),
      arrival: arrival, now: now)
    let released = server.handle(
      message(.release, from: laptop, options: [self.server("192.168.0.1")], ciaddr: address("192.168.0.101")),
      arrival: arrival, now: now + 10)
    XCTAssertNil(released.reply)
    XCTAssertEqual(released.changes.map(\.lease.state), [.released])
    XCTAssertEqual(released.changes.map(\.event), [.del])
    let reused = server.handle(message(.discover, from: phone), arrival: arrival, now: now + 20)
    XCTAssertEqual(reused.reply?.message.yiaddr, address("192.168.0.101"))
    let foreign = server.handle(
      message(.release, from: phone, ciaddr: address("192.168.0.101")), arrival: arrival, now: now + 30)
    XCTAssertEqual(foreign.changes, [], "a client cannot release someone else's lease")
  }

  func testInformGetsOptionsWithoutALease() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let outcome = server.handle(
      message(.inform, from: laptop, ciaddr: address("192.168.0.20")), arrival: arrival, now: now)
    XCTAssertEqual(outcome.reply?.message.messageType, .ack)
    XCTAssertEqual(outcome.reply?.message.yiaddr, 0)
    XCTAssertNil(outcome.reply?.message.leaseTime)
    XCTAssertEqual(outcome.reply?.message.option(15), Array("home".utf8))
    XCTAssertEqual(outcome.reply?.destination, .client(address("192.168.0.20")))
    XCTAssertEqual(outcome.changes, [])
  }

  func testTheParameterRequestListChoosesAndOrdersTheOptionalOptions() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let outcome = server.handle(
      message(.discover, from: laptop, options: [DHCPOption(code: 55, bytes: [15, 3, 42])]), arrival: arrival, now: now)
    let codes = outcome.reply?.message.options.map(\.code) ?? []
    XCTAssertEqual(codes.filter { ![1, 51, 54, 58, 59].contains($0) }, [15, 3], "6 not asked for, 42 not configured")
    XCTAssertTrue([1, 51, 54].allSatisfy(codes.contains), "\(codes)")
  }

  func testARepliesFitsTheClientsMaximumMessageSize() {
    var configured = subnet()
    configured.options.append(DHCPOption(code: 17, bytes: [UInt8](repeating: 0x61, count: 250)))
    configured.options.append(DHCPOption(code: 40, bytes: [UInt8](repeating: 0x62, count: 250)))
    var server = DHCPServer(subnets: [configured], leases: [:])
    let outcome = server.handle(message(.discover, from: laptop), arrival: arrival, now: now)
    let bytes = outcome.reply?.encoded() ?? []
    XCTAssertLessThanOrEqual(bytes.count, 576 - 28)
    let decoded = try? DHCPMessage.decode(bytes[...])
    XCTAssertEqual(decoded?.serverIdentifier, serverAddress)
    XCTAssertEqual(decoded?.leaseTime, 3600)
    XCTAssertNotNil(decoded?.option(3), "the first options stay; the last ones go")
    XCTAssertNil(decoded?.option(40))
  }

  func testRelayedRequestsPickTheSubnetByGiaddrAndGoBackToTheRelay() {
    let remote = DHCPSubnet(
      interface: "far", network: address("10.5.0.0"), mask: address("255.255.0.0"),
      pools: [address("10.5.1.1")...address("10.5.1.9")], serverIdentifier: address("192.168.0.1"))
    var server = DHCPServer(subnets: [subnet(), remote], leases: [:])
    let outcome = server.handle(
      message(.discover, from: laptop, giaddr: address("10.5.0.1")),
      arrival: DHCPArrival(interface: "eth0", localAddress: address("192.168.0.1")), now: now)
    XCTAssertEqual(outcome.reply?.message.yiaddr, address("10.5.1.1"))
    XCTAssertEqual(outcome.reply?.destination, .relay(address("10.5.0.1")))
    XCTAssertEqual(outcome.reply?.message.giaddr, address("10.5.0.1"))
    let agent = DHCPOption(code: 82, bytes: [1, 4, 0x65, 0x74, 0x68, 0x33])
    let informed = server.handle(
      message(.discover, from: phone, options: [agent], giaddr: address("10.5.0.1")), arrival: arrival, now: now)
    XCTAssertEqual(informed.reply?.message.options.last, agent, "RFC 3046: option 82 echoed to the relay")
    let unknown = server.handle(message(.discover, from: laptop, giaddr: address("172.16.0.1")), arrival: arrival, now: now)
    XCTAssertNil(unknown.reply)
    XCTAssertTrue(unknown.log.contains("no configured subnet"), unknown.log)
  }

  func testClientsWithoutAMACAreIgnored() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    var request = message(.discover, from: laptop)
    request.hlen = 0
    let outcome = server.handle(request, arrival: arrival, now: now)
    XCTAssertNil(outcome.reply)
    XCTAssertTrue(outcome.log.contains("hardware address length 0"), outcome.log)
  }

  func testRequestsOnUnconfiguredInterfacesAreIgnored() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let outcome = server.handle(
      message(.discover, from: laptop), arrival: DHCPArrival(interface: "wlan0", localAddress: 0), now: now)
    XCTAssertNil(outcome.reply)
  }

  func testLeasesAreKeyedByClientIdentifierWhenOneIsSent() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let first = DHCPOption(code: 61, bytes: [0xFF, 1, 2, 3])
    let second = DHCPOption(code: 61, bytes: [0xFF, 4, 5, 6])
    let (_, ackOne) = lease(&server, laptop, extra: [first])
    let (_, ackTwo) = lease(&server, laptop, extra: [second])
    XCTAssertNotEqual(ackOne.reply?.message.yiaddr, ackTwo.reply?.message.yiaddr, "two identities on one NIC")
    XCTAssertEqual(ackTwo.changes.last?.lease.client.identifier, [0xFF, 4, 5, 6])
  }
}

func address(_ text: String) -> UInt32 { IPv4Address(text)?.value ?? 0 }
func bytes(_ text: String) -> [UInt8] { IPv4Address(text)?.bytes ?? [] }
func dotted(_ value: UInt32) -> String { IPv4Address(value).description }
