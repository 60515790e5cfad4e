import DHCP
import XCTest

/// Names belong to whoever the admin says: a client's option 12 or 81 never takes a DNS host's
/// name, a fixed host's, localhost or the server's own, nor a name another client holds.
extension ServerTests {
  func named(_ name: String) -> DHCPOption { DHCPOption(code: 12, bytes: Array(name.utf8)) }

  func testAClientCannotTakeANameTheAdminGaveAndTheRefusalIsLoggedWithItsMACAndAddress() {
    var server = DHCPServer(subnets: [subnet()], leases: [:], reservedNames: ["nas.home", "router"])
    for name in ["nas", "NAS.home", "router", "mvp-lounge", "localhost", "LocalHost.", "localhost.home"] {
      var fresh = server
      let (_, ack) = lease(&fresh, laptop, extra: [named(name)])
      XCTAssertEqual(ack.reply?.message.messageType, .ack, name)
      XCTAssertNil(ack.changes.last?.lease.hostname, "\(name) must not be published")
      XCTAssertTrue(ack.log.contains("02:00:00:00:00:01"), ack.log)
      XCTAssertTrue(ack.log.contains("192.168.0.100"), ack.log)
      XCTAssertTrue(ack.log.contains("not published"), ack.log)
      XCTAssertEqual(ack.severity, .warning)
    }
    let (_, ack) = lease(&server, laptop, extra: [named("laptop")])
    XCTAssertEqual(ack.changes.last?.lease.hostname, "laptop")
    XCTAssertFalse(ack.log.contains("not published"), ack.log)
  }

  func testOption81sFirstLabelIsCheckedToo() {
    var server = DHCPServer(subnets: [subnet()], leases: [:], reservedNames: ["nas"])
    // Flags with E set (wire labels), two zero RCODE bytes, "nas.home".
    let fqdn = DHCPOption(code: 81, bytes: [0x05, 0, 0, 3] + Array("nas".utf8) + [4] + Array("home".utf8) + [0])
    let (_, ack) = lease(&server, laptop, extra: [fqdn])
    XCTAssertNil(ack.changes.last?.lease.hostname)
    XCTAssertTrue(ack.log.contains("'nas' not published"), ack.log)
    let ascii = DHCPOption(code: 81, bytes: [0x01, 0, 0] + Array("desk.home".utf8))
    let (_, desk) = lease(&server, phone, extra: [ascii])
    XCTAssertEqual(desk.changes.last?.lease.hostname, "desk")
  }

  func testOfTwoClientsWithOneNameTheFirstKeepsItAndTheSecondIsRecordedWithoutOne() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    let (_, first) = lease(&server, laptop, extra: [named("box")])
    XCTAssertEqual(first.changes.last?.lease.hostname, "box")
    let (_, second) = lease(&server, phone, extra: [named("box")])
    XCTAssertEqual(second.reply?.message.messageType, .ack)
    XCTAssertEqual(second.changes.last?.lease.address, address("192.168.0.101"))
    XCTAssertNil(second.changes.last?.lease.hostname)
    XCTAssertTrue(second.log.contains("another client holds it"), second.log)
    // The first renews and keeps it; once its lease has lapsed the name is free again.
    let (_, renewal) = lease(&server, laptop, extra: [named("box")])
    XCTAssertEqual(renewal.changes.last?.lease.hostname, "box")
    let later = server.handle(
      message(.request, from: phone, options: [requested("192.168.0.101"), named("box")], ciaddr: address("192.168.0.101")),
      arrival: arrival, now: now + 3601)
    XCTAssertEqual(later.changes.last?.lease.hostname, "box")
  }

  func testARefusalIsLoggedOnceNotOnEveryRenewal() {
    var server = DHCPServer(subnets: [subnet()], leases: [:], reservedNames: ["nas"])
    let (_, ack) = lease(&server, laptop, extra: [named("nas")])
    XCTAssertTrue(ack.log.contains("not published"), ack.log)
    let renewal = server.handle(
      message(.request, from: laptop, options: [named("nas")], ciaddr: address("192.168.0.100")),
      arrival: arrival, now: now + 1800)
    XCTAssertEqual(renewal.reply?.message.messageType, .ack)
    XCTAssertNil(renewal.changes.last?.lease.hostname)
    XCTAssertFalse(renewal.log.contains("not published"), renewal.log)
    XCTAssertEqual(renewal.severity, .notice)
  }

  func testANameTheAdminTakesLaterIsDroppedAtTheNextRenewalAndThatIsLogged() {
    var server = DHCPServer(subnets: [subnet()], leases: [:])
    _ = lease(&server, laptop, extra: [named("nas")])
    var stored = server.tables["eth0"].map { Array($0.byAddress.values) } ?? []
    XCTAssertEqual(stored.first?.hostname, "nas")
    // The admin adds nas; the daemon reloads with the leases stored so far.
    var reloaded = DHCPServer(subnets: [subnet()], leases: ["eth0": stored], reservedNames: ["nas"])
    let renewal = reloaded.handle(
      message(.request, from: laptop, options: [named("nas")], ciaddr: address("192.168.0.100")),
      arrival: arrival, now: now + 1800)
    XCTAssertNil(renewal.changes.last?.lease.hostname)
    XCTAssertTrue(renewal.log.contains("not published: the name is the admin's"), renewal.log)
    stored = reloaded.tables["eth0"].map { Array($0.byAddress.values) } ?? []
    XCTAssertNil(stored.first?.hostname)
  }
}
