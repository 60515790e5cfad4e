import Store
import XCTest

final class FormatsFlatFormatTests: XCTestCase {
  func testCommandLineNamesAndWhichFormatsNeedAnInterface() {
    XCTAssertEqual(
      FlatFormat.allCases.map(\.rawValue),
      [
        "in.jabberd.conf", "in.dns.conf", "in.dhcp.conf", "in.dhcp.leases", "hosts", "ethers",
        "dnsmasq-hosts", "dnsmasq-leases",
      ])
    XCTAssertEqual(FlatFormat.allCases.filter(\.needsInterface), [.dhcpConf, .dhcpLeases])
  }

  func testFormatErrorPrintsFileLineAndMessage() {
    XCTAssertEqual(
      FormatError(file: "/etc/in.dns.conf", line: 7, message: "'x' is not an IP address")
        .description,
      "/etc/in.dns.conf:7: 'x' is not an IP address")
  }
}
