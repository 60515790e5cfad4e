import XCTest

@testable import Store

final class LeaseTests: StoreTestCase {
  let printer = StaticLease(
    mac: MACAddress("00:0d:fe:23:79:e0")!, clientID: [1, 0, 0x0d, 0xfe, 0x23, 0x79, 0xe0],
    address: IPv4Address("192.168.0.3")!, hostname: HostName("printer"), interface: "eth0",
    settings: [
      DHCPSetting(keyword: "filename", values: ["pxelinux.0"]),
      DHCPSetting(keyword: "next-server", values: ["192.168.0.1"]),
    ])

  func testStaticLeasesRoundTripWithTheirSettingsAndInterfaceScope() throws {
    let store = try openStore()
    let everywhere = StaticLease(mac: mac("aa:bb:cc:dd:ee:ff"), address: ipv4("192.168.0.4"))
    let elsewhere = StaticLease(mac: mac("aa:bb:cc:dd:ee:01"), address: ipv4("10.0.0.4"), interface: "eth1")
    try store.addStaticLease(printer)
    try store.addStaticLease(everywhere)
    try store.addStaticLease(elsewhere)
    XCTAssertEqual(try store.staticLeases(), [printer, everywhere, elsewhere])
    XCTAssertEqual(try store.staticLeases(interface: "eth0"), [printer, everywhere])
    XCTAssertEqual(try store.staticLeases(interface: "eth1"), [everywhere, elsewhere])
  }

  func testAStaticLeaseClashingOnMACOrAddressIsADuplicate() throws {
    let store = try openStore()
    try store.addStaticLease(printer)
    var sameMAC = printer
    sameMAC.address = ipv4("192.168.0.9")
    assertThrows(.duplicate("static lease for 00:0d:fe:23:79:e0 on eth0 already exists")) {
      () throws(StoreError) in
      try store.addStaticLease(sameMAC)
    }
    sameMAC.interface = nil
    try store.addStaticLease(sameMAC)
    sameMAC.address = ipv4("192.168.0.10")
    assertThrows(.duplicate("static lease for 00:0d:fe:23:79:e0 already exists")) { () throws(StoreError) in
      try store.addStaticLease(sameMAC)
    }
    let sameAddress = StaticLease(mac: mac("aa:bb:cc:dd:ee:ff"), address: ipv4("192.168.0.3"))
    assertThrows(.duplicate("address 192.168.0.3 is already leased statically to 00:0d:fe:23:79:e0")) {
      () throws(StoreError) in try store.addStaticLease(sameAddress)
    }
    XCTAssertEqual(try store.staticLeases().count, 2)
  }

  func testStaticLeaseSettingsAreValidatedAndPoolKeywordsRefused() throws {
    let store = try openStore()
    var lease = StaticLease(mac: mac("aa:bb:cc:dd:ee:ff"), address: ipv4("192.168.0.4"))
    lease.settings = [DHCPSetting(keyword: "next-server", values: ["nas"])]
    assertThrows(.invalid("next-server: 'nas' is not an IPv4 address")) { () throws(StoreError) in
      try store.addStaticLease(lease)
    }
    lease.settings = [DHCPSetting(keyword: "pool-start", values: ["192.168.0.10"])]
    assertThrows(.invalid("pool-start is not a per-host setting (static lease for aa:bb:cc:dd:ee:ff)")) {
      () throws(StoreError) in try store.addStaticLease(lease)
    }
    lease.settings = []
    lease.clientID = []
    assertThrows(.invalid("client identifier of aa:bb:cc:dd:ee:ff must be 1-255 bytes, not 0")) {
      () throws(StoreError) in try store.addStaticLease(lease)
    }
    XCTAssertEqual(try store.staticLeases(), [])
  }

  func testRemovingAStaticLeaseRemovesItsSettings() throws {
    let store = try openStore()
    try store.addStaticLease(printer)
    assertThrows(.notFound("no static lease for 00:0d:fe:23:79:e0")) { () throws(StoreError) in
      try store.removeStaticLease(mac: printer.mac, interface: nil)
    }
    try store.removeStaticLease(mac: printer.mac, interface: "eth0")
    XCTAssertEqual(try store.staticLeases(), [])
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM static_lease_settings") { $0.int(0) }, 0)
    assertThrows(.notFound("no static lease for 00:0d:fe:23:79:e0 on eth0")) { () throws(StoreError) in
      try store.removeStaticLease(mac: printer.mac, interface: "eth0")
    }
  }

  func testPutLeaseReplacesTheLeaseOfTheSameInterfaceAndAddress() throws {
    let store = try openStore()
    let offered = Lease(
      interface: "eth0", address: ipv4("192.168.0.101"), mac: mac("aa:bb:cc:dd:ee:ff"),
      clientID: [1, 0xaa], hostname: host("laptop"), start: 1000, expiry: 1060, state: .offered)
    var acked = offered
    acked.expiry = 4600
    acked.state = .active
    let other = Lease(
      interface: "eth0", address: ipv4("192.168.0.20"), mac: mac("aa:bb:cc:dd:ee:01"),
      start: 1000, expiry: 2000, state: .released)
    let wifi = Lease(
      interface: "wlan0", address: ipv4("10.0.0.5"), mac: mac("aa:bb:cc:dd:ee:02"),
      start: 1000, expiry: 2000, state: .declined)
    try store.putLease(offered)
    try store.putLease(wifi)
    try store.putLease(other)
    try store.putLease(acked)
    XCTAssertEqual(try store.leases(), [other, acked, wifi])
    XCTAssertEqual(try store.leases(interface: "wlan0"), [wifi])
    try store.removeLease(interface: "eth0", address: ipv4("192.168.0.20"))
    XCTAssertEqual(try store.leases(interface: "eth0"), [acked])
    assertThrows(.notFound("no lease of 192.168.0.20 on eth0")) { () throws(StoreError) in
      try store.removeLease(interface: "eth0", address: ipv4("192.168.0.20"))
    }
  }

  func testALeaseThatExpiresBeforeItStartsIsInvalid() throws {
    let store = try openStore()
    let lease = Lease(
      interface: "eth0", address: ipv4("192.168.0.101"), mac: mac("aa:bb:cc:dd:ee:ff"),
      start: 2000, expiry: 1000, state: .active)
    assertThrows(
      .invalid("lease of 192.168.0.101 to aa:bb:cc:dd:ee:ff expires (1000) before it starts (2000)")
    ) {
      () throws(StoreError) in try store.putLease(lease)
    }
  }
}
