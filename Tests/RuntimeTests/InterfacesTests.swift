import Runtime
import XCTest

final class InterfacesTests: XCTestCase {
  func testLoopbackHasAnAllZeroHardwareAddressAndAForeignAddressHasNone() {
    XCTAssertEqual(Interfaces.hardwareAddress(ofIPv4: 0x7F00_0001), [0, 0, 0, 0, 0, 0])
    XCTAssertNil(Interfaces.hardwareAddress(ofIPv4: 0xC000_0201), "192.0.2.1 (TEST-NET-1) is on no interface")
  }
}
