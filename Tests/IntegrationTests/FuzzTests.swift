import Foundation
import TestSupport
import XCTest

/// The short CI runs of the libFuzzer targets (Scripts/fuzz SERVICE); docs/fuzzing.md has the
/// longer ones.
final class FuzzTests: XCTestCase {
  func testFifteenSecondsOfFuzzingTheDNSResponderFindNoCrash() throws {
    try fuzz("dns")
  }

  func testFifteenSecondsOfFuzzingTheDHCPDecoderAndServerFindNoCrash() throws {
    try fuzz("dhcp")
  }

  func testFifteenSecondsOfFuzzingTheHTTPParserFindNoCrash() throws {
    try fuzz("http")
  }

  func testFifteenSecondsOfFuzzingTheCTCSParsersAndBandwidthPlanFindNoCrash() throws {
    try fuzz("ctcs")
  }

  func testFifteenSecondsOfFuzzingTheXMPPStreamParserFindNoCrash() throws {
    try fuzz("xmpp")
  }

  func testFifteenSecondsOfFuzzingTheSMTPSessionFindNoCrash() throws {
    try fuzz("smtp")
  }

  private func fuzz(_ service: String) throws {
    let result = try ChildProcess.run(BuildProducts.packageRoot + "/Scripts/fuzz", [service, "15"])
    XCTAssertEqual(result.status, 0, String(result.output.suffix(4000)))
    XCTAssertTrue(result.output.contains("Done "), String(result.output.suffix(4000)))
  }
}
