import Foundation
import Store
import TestSupport
import XCTest

/// Names belong to whoever the admin says, with real clients in a network namespace: a DHCP
/// client's hostname never takes a `slugctl dns add` name, a static lease's, localhost or
/// another client's, and in.dns (same store, same inetd) answers only the admin's address.
/// Edits made while in.dhcp runs hold from the next request.
final class DHCPNameTests: XCTestCase {
  func dig(_ bed: DHCPTestbed, _ name: String) throws -> [String] {
    let dig = try bed.net.run(
      in: .client, ["/usr/bin/dig", "@\(NetworkNamespaces.serverAddress)", "+short", "+time=2", "+tries=2", name, "A"])
    return dig.output.split(separator: "\n").map(String.init).sorted()
  }

  func testUdhcpcAskingForTheAdminsNameGetsAnAddressButNotTheName() throws {
    let bed = try DHCPTestbed()
    defer { bed.tearDown() }
    _ = try bed.slugctl(["dns", "add", "nas.\(DHCPTestbed.domain)", "10.99.0.50"])

    let run = try bed.udhcpc(["-q", "-x", "hostname:nas"])
    XCTAssertEqual(run.status, 0, "udhcpc: \(run.output)\n\(bed.serverLog())")
    let address = try XCTUnwrap(bed.hookEvents().last { $0.event == "bound" }?.environment["ip"], run.output)
    let lease = try XCTUnwrap(bed.leases()[address], "no lease for \(address)")
    XCTAssertEqual(lease.state, .active)
    XCTAssertNil(lease.hostname, "the lease is recorded without the admin's name")

    XCTAssertEqual(try dig(bed, "nas.\(DHCPTestbed.domain)"), ["10.99.0.50"], "only the admin's address")
    XCTAssertEqual(try dig(bed, "nas"), [], "nor the bare name")
  }

  func testStaticNamesLocalhostAndAnotherClientsNameStayWithTheirOwners() throws {
    let bed = try DHCPTestbed(clientAddress: DHCPRelay.address)
    defer { bed.tearDown() }
    let result = try bed.python(
      """
      relay = Relay()
      for mac, name in [('02:99:00:00:01:01', 'tv'), ('02:99:00:00:01:02', 'LocalHost'), ('02:99:00:00:01:03', 'box'),
                        ('02:99:00:00:01:04', 'box')]:
          ack, offer = relay.lease(mac, hostname=name)
          assert ack and ack['type'] == ACK, (mac, ack, offer)
          print(mac, ack['yiaddr'])
      """)
    var addresses: [String: String] = [:]
    for line in result.split(separator: "\n") {
      let fields = line.split(separator: " ")
      addresses[String(fields[0])] = String(fields[1])
    }
    let leases = try bed.leases()
    XCTAssertNil(leases[addresses["02:99:00:00:01:01"] ?? ""]?.hostname, "tv is the static lease's")
    XCTAssertNil(leases[addresses["02:99:00:00:01:02"] ?? ""]?.hostname, "localhost is nobody's")
    XCTAssertEqual(leases[addresses["02:99:00:00:01:03"] ?? ""]?.hostname?.text, "box", "the first keeps it")
    XCTAssertNil(leases[addresses["02:99:00:00:01:04"] ?? ""]?.hostname, "the second is recorded without it")

    XCTAssertEqual(try dig(bed, "tv.\(DHCPTestbed.domain)"), [DHCPTestbed.staticAddress])
    XCTAssertEqual(try dig(bed, "box.\(DHCPTestbed.domain)"), [addresses["02:99:00:00:01:03"] ?? "?"])
    XCTAssertEqual(try dig(bed, "localhost.\(DHCPTestbed.domain)"), [])
  }

  func testAStaticLeaseAddedWhileInDHCPRunsHoldsForTheNextRequest() throws {
    let bed = try DHCPTestbed(clientAddress: DHCPRelay.address, idle: 30)
    defer { bed.tearDown() }
    // One exchange starts in.dhcp; the static lease is added while it runs and the client
    // asks at once: the running process must give it the static address.
    let result = try bed.python(
      """
      import subprocess
      relay = Relay()
      ack, _ = relay.lease('02:99:00:00:02:01')
      assert ack and ack['type'] == ACK, ack
      started = time.monotonic()
      subprocess.run(sys.argv[1:], check=True)
      added = time.monotonic()
      ack, offer = relay.lease('02:99:00:00:02:02', tries=1)
      print(offer and offer['yiaddr'], ack and ack['yiaddr'], round(time.monotonic() - added, 3), round(added - started, 3))
      """, arguments: [bed.binDirectory + "/slugctl", "dhcp", "static", "add", "02:99:00:00:02:02", "10.99.200.9", "--db", bed.database])
    let fields = result.split(separator: " ").map(String.init)
    XCTAssertEqual(fields.prefix(2), ["10.99.200.9", "10.99.200.9"], "offer, ack, seconds: \(result)\n\(bed.serverLog())")
    XCTAssertLessThan(Double(fields.count > 2 ? fields[2] : "9") ?? 9, 0.1, result)
    XCTAssertEqual(bed.dhcpProcesses().count, 1, "the running in.dhcp answered")
  }
}
