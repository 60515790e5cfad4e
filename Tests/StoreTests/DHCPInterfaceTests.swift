import XCTest

@testable import Store

final class DHCPInterfaceTests: StoreTestCase {
  func testSettingsKeepTheirOrderAndAReplacedSettingKeepsItsPlace() throws {
    let store = try openStore()
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "pool-start", values: ["192.168.0.100"]))
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "pool-end", values: ["192.168.0.200"]))
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "Routers", values: ["192.168.0.1"]))
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "pool-start", values: ["192.168.0.50"]))
    try store.setDHCPSetting(interface: "br0", DHCPSetting(keyword: "domain-name", values: ["my home lan"]))
    XCTAssertEqual(
      try store.dhcpInterface(named: "eth0"),
      DHCPInterface(
        name: "eth0",
        settings: [
          DHCPSetting(keyword: "pool-start", values: ["192.168.0.50"]),
          DHCPSetting(keyword: "pool-end", values: ["192.168.0.200"]),
          DHCPSetting(keyword: "routers", values: ["192.168.0.1"]),
        ]))
    XCTAssertEqual(try store.dhcpInterfaces().map(\.name), ["br0", "eth0"])
    XCTAssertEqual(try store.dhcpInterface(named: "br0")?.values(of: "domain-name"), ["my", "home", "lan"])
    XCTAssertNil(try store.dhcpInterface(named: "eth1"))
  }

  func testSettingsAreCheckedAgainstTheKeywordTable() throws {
    let store = try openStore()
    assertThrows(.invalid("unknown DHCP keyword 'x'")) { () throws(StoreError) in
      try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "x", values: ["1"]))
    }
    assertThrows(.invalid("routers: '192.168.0.256' is not an IPv4 address")) { () throws(StoreError) in
      try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "routers", values: ["192.168.0.256"]))
    }
    assertThrows(.invalid("lease-time needs a value")) { () throws(StoreError) in
      try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "lease-time", values: []))
    }
    assertThrows(.invalid("invalid interface name 'eth0/x'")) { () throws(StoreError) in
      try store.setDHCPSetting(interface: "eth0/x", DHCPSetting(keyword: "lease-time", values: ["3600"]))
    }
    XCTAssertEqual(try store.dhcpInterfaces(), [])
  }

  func testTheOriginalMisspellingIsStoredUnderTheTableName() throws {
    let store = try openStore()
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "extension-path", values: ["/x"]))
    XCTAssertEqual(
      try store.dhcpInterface(named: "eth0")?.settings,
      [DHCPSetting(keyword: "extensions-path", values: ["/x"])])
  }

  func testRemovingASettingOrAnInterface() throws {
    let store = try openStore()
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "routers", values: ["192.168.0.1"]))
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "lease-time", values: ["3600"]))
    try store.removeDHCPSetting(interface: "eth0", keyword: "ROUTERS")
    XCTAssertEqual(
      try store.dhcpInterface(named: "eth0")?.settings, [DHCPSetting(keyword: "lease-time", values: ["3600"])]
    )
    assertThrows(.notFound("DHCP interface 'eth0' has no setting 'routers'")) { () throws(StoreError) in
      try store.removeDHCPSetting(interface: "eth0", keyword: "routers")
    }
    assertThrows(.invalid("unknown DHCP keyword 'nope'")) { () throws(StoreError) in
      try store.removeDHCPSetting(interface: "eth0", keyword: "nope")
    }
    try store.removeDHCPInterface(named: "eth0")
    XCTAssertEqual(try store.dhcpInterfaces(), [])
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM dhcp_settings") { $0.int(0) }, 0)
    assertThrows(.notFound("no DHCP interface 'eth0'")) { () throws(StoreError) in
      try store.removeDHCPInterface(named: "eth0")
    }
  }
}
