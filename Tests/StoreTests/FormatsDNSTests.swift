import Store
import XCTest

final class FormatsDNSTests: XCTestCase {
  private func host(_ name: String, _ address: String) -> DNSHost {
    DNSHost(name: HostName(name)!, address: IPAddress(address)!)
  }

  func testDNSConfGoldenFileSkipsHashLinesAndRendersTrailingDots() throws {
    let input = try Fixture.text("dns.input")
    let canonical = try Fixture.text("dns.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let hosts = try DNSConf.parse(variant, file: "in.dns.conf")
      XCTAssertEqual(
        hosts,
        [
          host("slug.home", "192.168.0.1"), host("nas.home", "192.168.0.1"),
          host("printer.home", "192.168.0.50"), host("v6.home", "2001:db8::1"),
        ])
      XCTAssertEqual(DNSConf.render(hosts), canonical)
    }
  }

  func testDNSConfRoundTripKeepsOrder() throws {
    let hosts = [host("b.home", "10.0.0.2"), host("a.home", "10.0.0.2"), host("c", "fe80::1")]
    XCTAssertEqual(try DNSConf.parse(DNSConf.render(hosts), file: "f"), hosts)
  }

  func testDNSConfErrorsNameTheFileLineAndValue() {
    assertFormatError("in.dns.conf:2: '192.168.0' is not an IP address") {
      try DNSConf.parse("a.home. 10.0.0.1\nb.home. 192.168.0\n", file: "in.dns.conf")
    }
    assertFormatError("in.dns.conf:1: '-a.home.' is not a host name") {
      try DNSConf.parse("-a.home. 10.0.0.1\n", file: "in.dns.conf")
    }
    assertFormatError("in.dns.conf:1: expected 'name. address', found 'a.home. 10.0.0.1 10.0.0.2'")
    {
      try DNSConf.parse("a.home. 10.0.0.1 10.0.0.2\n", file: "in.dns.conf")
    }
    assertFormatError("in.dns.conf:3: duplicate entry 'A.home 10.0.0.1' (first on line 1)") {
      try DNSConf.parse("a.home. 10.0.0.1\n\nA.home 10.0.0.1\n", file: "in.dns.conf")
    }
  }

  func testHostsGoldenFileGroupsNamesPerAddress() throws {
    let input = try Fixture.text("hosts.input")
    let canonical = try Fixture.text("hosts.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let hosts = try HostsFile.parse(variant, file: "/etc/hosts")
      XCTAssertEqual(
        hosts,
        [
          host("localhost", "127.0.0.1"), host("slug.home", "192.168.0.1"),
          host("slug", "192.168.0.1"),
          host("localhost", "::1"), host("ip6-localhost", "::1"),
          host("printer.home", "192.168.0.50"),
          host("nas.home", "192.168.0.1"),
        ])
      XCTAssertEqual(HostsFile.render(hosts), canonical)
      XCTAssertEqual(HostsFile.render(try HostsFile.parse(canonical, file: "f")), canonical)
    }
  }

  func testHostsRoundTripOfGroupedHostsIsExact() throws {
    let hosts = [host("a", "10.0.0.1"), host("b", "10.0.0.1"), host("c", "2001:db8::2")]
    XCTAssertEqual(try HostsFile.parse(HostsFile.render(hosts), file: "f"), hosts)
  }

  func testHostsErrorsNameTheFileLineAndValue() {
    assertFormatError("/etc/hosts:2: 'fe80::1%eth0' is not an IP address") {
      try HostsFile.parse("127.0.0.1 localhost\nfe80::1%eth0 router\n", file: "/etc/hosts")
    }
    assertFormatError("/etc/hosts:1: 'bad_name!' is not a host name") {
      try HostsFile.parse("10.0.0.1 good bad_name!\n", file: "/etc/hosts")
    }
    assertFormatError("/etc/hosts:1: expected 'address name [alias...]', found '10.0.0.1'") {
      try HostsFile.parse("10.0.0.1 # no name\n", file: "/etc/hosts")
    }
    assertFormatError("/etc/hosts:2: duplicate entry '10.0.0.1 a' (first on line 1)") {
      try HostsFile.parse("10.0.0.1 a\n10.0.0.1 b a\n", file: "/etc/hosts")
    }
  }
}
