import Foundation
import TestSupport
import XCTest

/// The short CI run of the DHCP decoder's libFuzzer target; bench runs it for longer.
final class DHCPFuzzTests: XCTestCase {
  func testFifteenSecondsOfFuzzingFindNoCrash() throws {
    let script = BuildProducts.packageRoot + "/Scripts/fuzz-dhcp"
    let result = try ChildProcess.run(script, ["15"])
    XCTAssertEqual(result.status, 0, String(result.output.suffix(4000)))
    XCTAssertTrue(result.output.contains("Done "), String(result.output.suffix(4000)))
  }
}
