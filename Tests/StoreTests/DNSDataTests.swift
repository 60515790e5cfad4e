import XCTest

@testable import Store

final class DNSDataTests: StoreTestCase {
  private func leaseNames(_ data: DNSData) -> [String] {
    data.leaseNames.map { "\($0.name) \($0.address) \($0.interface ?? "*")" }
  }

  func testDNSDataHoldsTheHostsInTheOrderTheyWereAdded() throws {
    let store = try openStore()
    let hosts = [
      DNSHost(name: host("nas.home"), address: ip("192.168.0.2")),
      DNSHost(name: host("alpha.home"), address: ip("192.168.0.3")),
      DNSHost(name: host("nas.home"), address: ip("fd00::2")),
      DNSHost(name: host("files.home"), address: ip("192.168.0.2")),
    ]
    for host in hosts { try store.addDNSHost(host) }
    XCTAssertEqual(try store.dnsData(now: 0).hosts, hosts)
  }

  func testLeaseNamesAreStaticLeasesThenActiveUnexpiredLeasesWithHostnames() throws {
    let store = try openStore()
    try store.addStaticLease(
      StaticLease(mac: mac("00:00:00:00:00:01"), address: ipv4("192.168.0.20"), hostname: host("tv"), interface: "eth0"))
    try store.addStaticLease(StaticLease(mac: mac("00:00:00:00:00:02"), address: ipv4("192.168.0.21")))
    try store.addStaticLease(
      StaticLease(mac: mac("00:00:00:00:00:03"), address: ipv4("192.168.0.22"), hostname: host("printer")))
    let now: Int64 = 1_000_000
    func lease(_ last: UInt8, _ name: String?, start: Int64, expiry: Int64, _ state: LeaseState) -> Lease {
      Lease(
        interface: "eth0", address: IPv4Address(192, 168, 0, 100 + last), mac: mac("00:00:00:00:01:0\(last)"),
        hostname: name.map(host), start: start, expiry: expiry, state: state)
    }
    for lease in [
      lease(1, "later", start: now - 10, expiry: now + 60, .active),
      lease(2, "earlier", start: now - 20, expiry: now + 60, .active),
      lease(3, "expired", start: now - 100, expiry: now, .active),
      lease(4, "offered", start: now, expiry: now + 60, .offered),
      lease(5, "released", start: now - 20, expiry: now + 60, .released),
      lease(6, "declined", start: now - 20, expiry: now + 60, .declined),
      lease(7, nil, start: now - 20, expiry: now + 60, .active),
    ] {
      try store.putLease(lease)
    }
    XCTAssertEqual(
      leaseNames(try store.dnsData(now: now)),
      [
        "tv 192.168.0.20 eth0", "printer 192.168.0.22 *",
        "earlier 192.168.0.102 eth0", "later 192.168.0.101 eth0",
      ])
    XCTAssertEqual(
      leaseNames(try store.dnsData(now: now + 60)), ["tv 192.168.0.20 eth0", "printer 192.168.0.22 *"])
  }

  func testDomainsAreTheInterfacesDomainNames() throws {
    let store = try openStore()
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "domain-name", values: ["home.lan"]))
    try store.setDHCPSetting(interface: "eth1", DHCPSetting(keyword: "routers", values: ["10.0.0.1"]))
    try store.setDHCPSetting(interface: "wlan0", DHCPSetting(keyword: "domain-name", values: ["air.lan"]))
    XCTAssertEqual(try store.dnsData(now: 0).domains, ["eth0": "home.lan", "wlan0": "air.lan"])
  }

  func testAnEmptyStoreHasNoDNSData() throws {
    let data = try Store(readingFrom: openStore().path).dnsData(now: 0)
    XCTAssertEqual(data.hosts, [])
    XCTAssertTrue(data.leaseNames.isEmpty)
    XCTAssertEqual(data.domains, [:])
  }

  func testDataVersionChangesWhenAnotherConnectionCommitsAndNotOnReads() throws {
    let writer = try openStore()
    let reader = try Store(readingFrom: databasePath)
    let before = try reader.dataVersion()
    _ = try reader.dnsData(now: 0)
    _ = try reader.dnsHosts()
    XCTAssertEqual(try reader.dataVersion(), before)
    try writer.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
    let afterOneCommit = try reader.dataVersion()
    XCTAssertNotEqual(afterOneCommit, before)
    XCTAssertEqual(try reader.dataVersion(), afterOneCommit)
    try writer.putLease(
      Lease(interface: "eth0", address: ipv4("192.168.0.100"), mac: mac("00:00:00:00:01:01"), start: 0, expiry: 60, state: .active))
    XCTAssertNotEqual(try reader.dataVersion(), afterOneCommit)
  }
}
