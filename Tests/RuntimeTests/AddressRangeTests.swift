import Runtime
import XCTest

final class AddressRangeTests: XCTestCase {
  func testPrintsTheNetworkWithItsHostBitsCleared() throws {
    let printed = [
      "10.1.2.3/8": "10.0.0.0/8", "192.168.1.9": "192.168.1.9/32", "0.0.0.0/0": "0.0.0.0/0",
      "fd00::1/8": "fd00::/8", "::1": "::1/128", "::/0": "::/0", "::ffff:10.1.2.3/104": "10.0.0.0/8",
    ]
    for (given, network) in printed {
      XCTAssertEqual(try XCTUnwrap(AddressRange(given), given).description, network, given)
    }
  }

  func testWhatItPrintsParsesBackToTheSameRange() throws {
    for text in AllowList.loopback + ["10.1.2.3/8", "2001:db8::5/100", "::ffff:192.168.0.0/112", "fe80::/10"] {
      let range = try XCTUnwrap(AddressRange(text), text)
      XCTAssertEqual(AddressRange(range.description), range, text)
    }
  }

  /// A machine on 192.168.1.0/24 and 2001:db8:1::/64, with link-local addresses on both.
  static let machine = LocalNetworks(
    addresses: [
      .ipv4(address: 0x7F00_0001, port: 0), .ipv4(address: 0xC0A8_0107, port: 0),
      .ipv4(address: 0xA9FE_0505, port: 0), try! address("2001:db8:1::7"), try! address("fe80::7"),
    ],
    networks: [
      AddressRange(.ipv4(address: 0x7F00_0001, port: 0), prefixLength: 8),
      AddressRange(.ipv4(address: 0xC0A8_0107, port: 0), prefixLength: 24),
      AddressRange(.ipv4(address: 0xA9FE_0505, port: 0), prefixLength: 16),
      AddressRange(try! address("2001:db8:1::7"), prefixLength: 64),
      AddressRange(try! address("fe80::7"), prefixLength: 64),
    ],
    broadcasts: [0xC0A8_01FF])

  func testTheDefaultAllowListIsLoopbackAndTheMachinesSubnetsButNotLinkLocalOnes() throws {
    let allowed = try AllowList(allowing: [], networks: AddressRangeTests.machine)
    XCTAssertEqual(
      allowed.ranges.map(\.description), ["127.0.0.0/8", "::1/128", "192.168.1.0/24", "2001:db8:1::/64"])
    XCTAssertTrue(allowed.allows(.ipv4(address: 0x7F00_0001, port: 1)))
    XCTAssertTrue(allowed.allows(.ipv4(address: 0xC0A8_0163, port: 1)))
    XCTAssertTrue(allowed.allows(try Self.address("::ffff:192.168.1.99")))
    XCTAssertTrue(allowed.allows(try Self.address("2001:db8:1::99")))
    for outsider in ["192.168.2.5", "10.0.0.5", "172.16.0.1", "169.254.9.9", "8.8.8.8", "fe80::99", "fd00::1", "2001:db8:2::1"] {
      XCTAssertFalse(allowed.allows(try Self.address(outsider)), outsider)
    }
    XCTAssertFalse(allowed.allows(nil))
  }

  func testGivenRangesReplaceTheDefault() throws {
    let allowed = try AllowList(allowing: ["10.0.0.0/8"], networks: AddressRangeTests.machine)
    XCTAssertEqual(allowed.ranges.map(\.description), ["10.0.0.0/8"])
    XCTAssertFalse(allowed.allows(.ipv4(address: 0x7F00_0001, port: 1)))
  }

  func testTheMachinesNetworksAreReadFromItsInterfaces() {
    let networks = LocalNetworks.read()
    XCTAssertTrue(networks.addresses.contains(.ipv4(address: 0x7F00_0001, port: 0)), "\(networks)")
    XCTAssertTrue(networks.networks.contains(AddressRange("127.0.0.0/8")!), "\(networks)")
  }

  static func address(_ text: String) throws -> SocketAddress {
    if let ipv4 = SocketAddress.parseIPv4(text) { return .ipv4(address: ipv4, port: 0) }
    var bytes = [UInt8](repeating: 0, count: 16)
    guard inet_pton(AF_INET6, text, &bytes) == 1 else { throw NotAnAddress(text: text) }
    return .ipv6(address: bytes, port: 0, scopeID: 0)
  }
}

struct NotAnAddress: Error {
  var text: String
}
