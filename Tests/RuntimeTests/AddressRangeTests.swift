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
    for text in AllowList.privateRanges + ["10.1.2.3/8", "2001:db8::5/100", "::ffff:192.168.0.0/112"] {
      let range = try XCTUnwrap(AddressRange(text), text)
      XCTAssertEqual(AddressRange(range.description), range, text)
    }
  }

  func testTheDefaultAllowListIsLoopbackAndThePrivateRanges() throws {
    let allowed = try AllowList(allowing: [])
    XCTAssertTrue(allowed.allows(.ipv4(address: 0x7F00_0001, port: 1)))
    XCTAssertTrue(allowed.allows(.ipv4(address: 0xC0A8_0102, port: 1)))
    XCTAssertFalse(allowed.allows(.ipv4(address: 0x0808_0808, port: 1)))
    XCTAssertFalse(allowed.allows(nil))
    XCTAssertEqual(allowed.ranges.map(\.description), AllowList.privateRanges)
  }
}
