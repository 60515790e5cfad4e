import Store
import XCTest

final class FormatsEthersTests: XCTestCase {
  func testGoldenFileReadsNamesAndAddressesWithComments() throws {
    let input = try Fixture.text("ethers.input")
    let canonical = try Fixture.text("ethers.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let entries = try EthersFile.parse(variant, file: "/etc/ethers")
      XCTAssertEqual(entries.map(\.mac.description), ["00:0d:fe:23:79:e0", "00:0d:fe:23:79:e1"])
      XCTAssertEqual(entries.map(\.host), ["mvp-lounge.home", "192.168.0.4"])
      XCTAssertEqual(EthersFile.render(entries), canonical)
      let again = try EthersFile.parse(EthersFile.render(entries), file: "f")
      XCTAssertEqual(again.map(\.mac), entries.map(\.mac))
      XCTAssertEqual(again.map(\.host), entries.map(\.host))
    }
  }

  func testErrorsNameTheFileLineAndValue() {
    let cases: [(String, String)] = [
      ("00:0d:fe:23:79:e0\n", "e:1: expected 'MAC host', found '00:0d:fe:23:79:e0'"),
      ("00:0d:fe:23:79 host\n", "e:1: '00:0d:fe:23:79' is not a MAC address"),
      ("00:0d:fe:23:79:e0 no/such\n", "e:1: 'no/such' is neither a host name nor an IPv4 address"),
      (
        "00:0d:fe:23:79:e0 a\n00-0D-FE-23-79-E0 b\n",
        "e:2: 00:0d:fe:23:79:e0 is already listed on line 1"
      ),
    ]
    for (text, expected) in cases {
      assertFormatError(expected) { try EthersFile.parse(text, file: "e") }
    }
  }
}
