import Runtime
import XCTest

/// What in.proxy refuses to connect to, judged on the resolved address.
final class AddressScopeTests: XCTestCase {
  func scope(_ text: String) throws -> AddressScope? {
    AddressScope.of(try AddressRangeTests.address(text), on: AddressRangeTests.machine)
  }

  func testLoopbackInEveryFormIsLoopback() throws {
    for text in ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "::ffff:127.0.0.1", "::ffff:7f00:2", "::127.0.0.1", "::ffff:0:127.0.0.1"] {
      XCTAssertEqual(try scope(text), .loopback, text)
    }
  }

  func testTheUnspecifiedAddressesAndZeroNetworkAreThisMachine() throws {
    for text in ["0.0.0.0", "0.1.2.3", "::", "::ffff:0.0.0.0", "::0.0.0.2"] {
      XCTAssertEqual(try scope(text), .unspecified, text)
    }
  }

  func testTheMachinesOwnAddressesInEveryForm() throws {
    for text in ["192.168.1.7", "::ffff:192.168.1.7", "::192.168.1.7", "2001:db8:1::7"] {
      XCTAssertEqual(try scope(text), .thisMachine, text)
    }
    // Its own link-local addresses are link-local first.
    XCTAssertEqual(try scope("fe80::7"), .linkLocal)
    XCTAssertEqual(try scope("169.254.5.5"), .linkLocal)
  }

  func testLinkLocalMulticastBroadcastAndReserved() throws {
    let expected: [String: AddressScope] = [
      "169.254.169.254": .linkLocal, "::ffff:169.254.1.1": .linkLocal, "fe80::1": .linkLocal, "febf::1": .linkLocal,
      "224.0.0.1": .multicast, "239.255.255.250": .multicast, "ff02::1": .multicast, "::ffff:224.0.0.251": .multicast,
      "255.255.255.255": .broadcast, "192.168.1.255": .broadcast, "240.0.0.1": .reserved,
    ]
    for (text, kind) in expected.sorted(by: { $0.key < $1.key }) {
      XCTAssertEqual(try scope(text), kind, text)
    }
  }

  func testOtherHostsOnTheLANAndBeyondAreOrdinary() throws {
    for text in ["192.168.1.8", "192.168.1.254", "10.0.0.1", "172.16.0.1", "8.8.8.8", "2001:db8:1::8", "fd00::1", "fec0::1", "2606:4700::1111", "::ffff:10.0.0.1"] {
      XCTAssertNil(try scope(text), text)
    }
  }

  func testNamesTheKindInARefusal() {
    XCTAssertEqual(AddressScope.loopback.description, "a loopback address")
    XCTAssertEqual(AddressScope.thisMachine.description, "an address of this machine")
  }
}
