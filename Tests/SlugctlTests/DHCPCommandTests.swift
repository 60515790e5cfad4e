import Foundation
import Store
import XCTest

@testable import SlugctlKit

final class DHCPCommandTests: StoreCommandTestCase {
  func testSetShowAndUnsetInterfaceSettings() throws {
    succeed("dhcp", "set", "eth0", "pool-start", "192.168.0.100")
    succeed("dhcp", "set", "eth0", "Routers", "192.168.0.1", "192.168.0.254")
    succeed("dhcp", "set", "eth0", "pool-start", "192.168.0.50")
    XCTAssertEqual(succeed("dhcp", "show", "eth0"), "pool-start 192.168.0.50\nrouters 192.168.0.1 192.168.0.254\n")
    let json = try jsonList("dhcp", "show", "eth0")
    XCTAssertEqual(json.last?["values"] as? [String], ["192.168.0.1", "192.168.0.254"])
    succeed("dhcp", "unset", "eth0", "routers")
    XCTAssertEqual(succeed("dhcp", "show", "eth0"), "pool-start 192.168.0.50\n")
  }

  func testUnknownKeywordsBadValuesAndUnknownInterfacesAreRefused() {
    XCTAssertTrue(fail(65, "dhcp", "set", "eth0", "bogus", "1").contains("'bogus'"))
    XCTAssertTrue(fail(65, "dhcp", "set", "eth0", "lease-time", "soon").contains("'soon'"))
    XCTAssertTrue(fail(65, "dhcp", "set", "eth0", "routers", "192.168.0.300").contains("'192.168.0.300'"))
    XCTAssertTrue(fail(65, "dhcp", "show", "eth9").contains("eth9"))
    fail(64, "dhcp", "set", "eth0", "routers")
  }

  func testStaticLeasesAreAddedListedAndRemoved() throws {
    succeed("dhcp", "static", "add", "00:11:22:33:44:55", "192.168.0.10", "--hostname", "tv")
    succeed("dhcp", "static", "add", "00-11-22-33-44-66", "192.168.0.11", "--iface", "eth1")
    XCTAssertEqual(
      succeed("dhcp", "static", "list"),
      """
      MAC                ADDRESS       HOSTNAME  IFACE
      00:11:22:33:44:55  192.168.0.10  tv        *
      00:11:22:33:44:66  192.168.0.11  -         eth1

      """)
    let json = try jsonList("dhcp", "static", "list")
    XCTAssertEqual(json.first?["hostname"] as? String, "tv")
    XCTAssertTrue(json.first?["interface"] is NSNull)
    succeed("dhcp", "static", "rm", "00:11:22:33:44:66", "--iface", "eth1")
    XCTAssertEqual(try jsonList("dhcp", "static", "list").count, 1)
  }

  func testStaticLeaseDuplicatesAndInvalidValuesAreRefused() {
    succeed("dhcp", "static", "add", "00:11:22:33:44:55", "192.168.0.10")
    fail(65, "dhcp", "static", "add", "00:11:22:33:44:55", "192.168.0.12")
    fail(65, "dhcp", "static", "add", "00:11:22:33:44:77", "192.168.0.10")
    XCTAssertTrue(fail(65, "dhcp", "static", "add", "00:11:22:33:44", "192.168.0.13").contains("'00:11:22:33:44'"))
    XCTAssertTrue(fail(65, "dhcp", "static", "add", "00:11:22:33:44:88", "2001:db8::1").contains("'2001:db8::1'"))
    XCTAssertTrue(fail(65, "dhcp", "static", "rm", "00:11:22:33:44:99").contains("00:11:22:33:44:99"))
  }

  func testLeasesShowRemainingTimeAndExpiredLeasesAsExpired() throws {
    let now = Int64(Date().timeIntervalSince1970)
    let store = try openStore()
    try store.putLease(Lease(
      interface: "eth0", address: IPv4Address("192.168.0.100")!, mac: MACAddress("00:11:22:33:44:01")!,
      hostname: HostName("laptop"), start: now - 60, expiry: now + 5400, state: .active))
    try store.putLease(Lease(
      interface: "eth0", address: IPv4Address("192.168.0.101")!, mac: MACAddress("00:11:22:33:44:02")!,
      start: now - 7200, expiry: now - 60, state: .active))
    try store.putLease(Lease(
      interface: "eth1", address: IPv4Address("10.0.0.100")!, mac: MACAddress("00:11:22:33:44:03")!,
      start: now - 7200, expiry: now + 60, state: .released))
    let json = try jsonList("dhcp", "leases")
    XCTAssertEqual(json.map { $0["state"] as? String }, ["active", "expired", "released"])
    let remaining = try XCTUnwrap(json.first?["remaining"] as? Int)
    XCTAssertTrue((5300...5400).contains(remaining), "\(remaining)")
    XCTAssertEqual(json[1]["remaining"] as? Int, 0)
    let table = succeed("dhcp", "leases", "--iface", "eth0")
    XCTAssertTrue(table.contains("laptop    active   1h"), table)
    XCTAssertTrue(table.contains("00:11:22:33:44:02  -         expired  -"), table)
    XCTAssertFalse(table.contains("10.0.0.100"), table)
  }

  func testDurationsPrintTheirLargestUnits() {
    typealias Leases = Slugctl.DHCP.Leases
    XCTAssertEqual(Leases.duration(45), "45s")
    XCTAssertEqual(Leases.duration(125), "2m05s")
    XCTAssertEqual(Leases.duration(7384), "2h03m04s")
    XCTAssertEqual(Leases.duration(93784), "1d02h03m")
  }
}
