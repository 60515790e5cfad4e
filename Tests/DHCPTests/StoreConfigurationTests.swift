import DHCP
import Store
import XCTest

/// A subnet built from in.dhcp.conf keywords as the store or a flat file holds them.
final class StoreConfigurationTests: XCTestCase {
  func interface(_ settings: [(String, [String])]) -> DHCPInterface {
    DHCPInterface(name: "eth0", settings: settings.map { DHCPSetting(keyword: $0.0, values: $0.1) })
  }

  func testKeywordsBecomeThePoolTimesBootFieldsAndOptionsInOrder() throws {
    let mvp = StaticLease(
      mac: try XCTUnwrap(MACAddress("00:0d:fe:23:79:e0")), address: try XCTUnwrap(IPv4Address("192.168.0.3")),
      hostname: HostName("mvp"), settings: [DHCPSetting(keyword: "filename", values: ["dongle.bin"])])
    let elsewhere = StaticLease(
      mac: try XCTUnwrap(MACAddress("00:0d:fe:23:79:e1")), address: try XCTUnwrap(IPv4Address("10.0.0.3")))
    let subnet = try DHCPSubnet(
      interface([
        ("server-identifier", ["192.168.0.1"]), ("lease-time", ["600"]), ("subnet-mask", ["255.255.255.0"]),
        ("routers", ["192.168.0.254"]), ("domain-servers", ["192.168.0.1", "8.8.8.8"]), ("domain-name", ["home"]),
        ("pool-start", ["192.168.0.100"]), ("pool-end", ["192.168.0.150"]), ("next-server", ["192.168.0.9"]),
        ("static-route", ["10.1.0.0", "192.168.0.2", "10.2.0.0", "192.168.0.3"]),
      ]), hosts: [mvp, elsewhere], interfaceAddresses: [(address: 0xC0A8_0001, mask: 0xFFFF_0000)])
    XCTAssertEqual(subnet.network, 0xC0A8_0000)
    XCTAssertEqual(subnet.mask, 0xFFFF_FF00, "the setting wins over the interface's /16")
    XCTAssertEqual(subnet.pools, [0xC0A8_0064...0xC0A8_0096])
    XCTAssertEqual(subnet.leaseSeconds, 600)
    XCTAssertEqual(subnet.serverIdentifier, 0xC0A8_0001)
    XCTAssertEqual(subnet.ownAddress, 0xC0A8_0001)
    XCTAssertEqual(subnet.nextServer, 0xC0A8_0009)
    XCTAssertEqual(subnet.options.map(\.code), [3, 6, 15, 33], "1, 51 and 54 are the server's own")
    XCTAssertEqual(subnet.options[1].bytes, [192, 168, 0, 1, 8, 8, 8, 8])
    XCTAssertEqual(subnet.options[3].bytes.count, 16, "both static routes")
    XCTAssertEqual(subnet.hosts.map(\.address), [0xC0A8_0003], "a host outside the subnet is not this subnet's")
    XCTAssertEqual(subnet.hosts.first?.filename, Array("dongle.bin".utf8))
  }

  func testTheInterfacesOwnAddressPlacesASubnetWithoutMaskOrServer() throws {
    let subnet = try DHCPSubnet(
      interface([("pool-start", ["10.99.1.1"]), ("pool-end", ["10.99.1.9"])]), hosts: [],
      interfaceAddresses: [(address: 0x0A63_0001, mask: 0xFFFF_0000)])
    XCTAssertEqual(subnet.mask, 0xFFFF_0000)
    XCTAssertEqual(subnet.network, 0x0A63_0000)
    XCTAssertNil(subnet.serverIdentifier)
    XCTAssertEqual(subnet.ownAddress, 0x0A63_0001)
    XCTAssertEqual(subnet.leaseSeconds, DHCPSubnet.defaultLeaseSeconds)
  }

  func testUnusableConfigurationsAreNamed() {
    let cases: [([(String, [String])], String)] = [
      ([("pool-start", ["10.0.0.1"]), ("pool-end", ["10.0.0.9"])], "no subnet-mask set"),
      ([("subnet-mask", ["255.255.255.0"]), ("pool-start", ["10.0.0.9"]), ("pool-end", ["10.0.0.1"])], "is after pool-end"),
      ([("subnet-mask", ["255.255.255.0"]), ("pool-start", ["10.0.0.9"]), ("pool-end", ["10.0.1.1"])], "not in one subnet"),
      ([("subnet-mask", ["255.255.255.0"]), ("pool-start", ["10.0.0.9"])], "pool-start without pool-end"),
      ([("subnet-mask", ["255.255.255.0"])], "no pool-start, server-identifier or interface address"),
    ]
    for (settings, message) in cases {
      XCTAssertThrowsError(try DHCPSubnet(interface(settings), hosts: [], interfaceAddresses: [])) { error in
        let text = (error as? DHCPConfigurationError)?.description ?? ""
        XCTAssertTrue(text.hasPrefix("eth0: ") && text.contains(message), text)
      }
    }
  }
}
