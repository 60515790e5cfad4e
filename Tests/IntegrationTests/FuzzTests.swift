import Foundation
import TestSupport
import XCTest

/// The short CI runs of the libFuzzer targets (Scripts/fuzz-*); bench runs them for longer.
final class FuzzTests: XCTestCase {
  func testFifteenSecondsOfFuzzingTheDNSResponderFindNoCrash() throws {
    try fuzz("fuzz-dns")
  }

  func testFifteenSecondsOfFuzzingTheDHCPDecoderAndServerFindNoCrash() throws {
    try fuzz("fuzz-dhcp")
  }

  func testFifteenSecondsOfFuzzingTheHTTPParserFindNoCrash() throws {
    try fuzz("fuzz-http")
  }

  func testFifteenSecondsOfFuzzingTheXMPPStreamParserFindNoCrash() throws {
    try fuzz("fuzz-xmpp")
  }

  private func fuzz(_ script: String) throws {
    let result = try ChildProcess.run(BuildProducts.packageRoot + "/Scripts/" + script, ["15"])
    XCTAssertEqual(result.status, 0, String(result.output.suffix(4000)))
    XCTAssertTrue(result.output.contains("Done "), String(result.output.suffix(4000)))
  }
}
