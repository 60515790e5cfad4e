import Store
import XCTest

final class FormatsDHCPTests: XCTestCase {
  private let mvp = MACAddress("00:0d:fe:23:79:e0")!

  func testDHCPConfGoldenFileReadsTheOriginalSampleWithItsBugsFixed() throws {
    let input = try Fixture.text("dhcp.input")
    let canonical = try Fixture.text("dhcp.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let (interface, leases) = try DHCPConf.parse(
        variant, file: "in.dhcp.conf.eth0", interface: "eth0")
      XCTAssertEqual(interface.name, "eth0")
      XCTAssertEqual(
        interface.values(of: "static-route"),
        ["10.0.0.0", "192.168.0.2", "10.1.0.0", "192.168.0.3"])
      XCTAssertEqual(interface.values(of: "extensions-path"), ["/ext/path"])
      XCTAssertEqual(interface.values(of: "domain-servers"), ["192.168.0.1", "8.8.8.8"])
      XCTAssertNil(interface.values(of: "mtu"), "a line with a trailing comment is skipped")
      XCTAssertEqual(
        leases,
        [
          StaticLease(
            mac: mvp, address: IPv4Address(192, 168, 0, 3), hostname: HostName("mvp-lounge"),
            interface: "eth0",
            settings: [
              DHCPSetting(keyword: "next-server", values: ["192.168.0.1"]),
              DHCPSetting(keyword: "filename", values: ["dongle.bin"]),
            ]),
          StaticLease(
            mac: MACAddress("aa:bb:cc:dd:ee:01")!, address: IPv4Address(192, 168, 0, 4),
            interface: "eth0",
            settings: [DHCPSetting(keyword: "routers", values: ["192.168.0.254"])]),
        ])
      XCTAssertEqual(DHCPConf.render(interface, leases), canonical)
    }
  }

  func testDHCPConfRoundTripWritesOneStaticRoutePerLine() throws {
    let interface = DHCPInterface(
      name: "wlan0",
      settings: [
        DHCPSetting(
          keyword: "static-route", values: ["10.0.0.0", "10.0.0.1", "10.2.0.0", "10.0.0.1"]),
        DHCPSetting(keyword: "domain-name", values: ["my", "home"]),
      ])
    let leases = [StaticLease(mac: mvp, address: IPv4Address(10, 0, 0, 9), interface: "wlan0")]
    let text = DHCPConf.render(interface, leases)
    XCTAssertEqual(
      text,
      "00:0d:fe:23:79:e0 {\n\taddress 10.0.0.9\n}\n"
        + "static-route 10.0.0.0 10.0.0.1\nstatic-route 10.2.0.0 10.0.0.1\ndomain-name my home\n")
    let (parsed, parsedLeases) = try DHCPConf.parse(text, file: "f", interface: "wlan0")
    XCTAssertEqual(parsed, interface)
    XCTAssertEqual(parsedLeases, leases)
  }

  func testDHCPConfErrorsNameTheFileLineAndValue() {
    let cases: [(String, String)] = [
      ("lease-time 86400\nfoo-bar 1\n", "c:2: unknown keyword 'foo-bar'"),
      ("routers 192.168.0.300\n", "c:1: routers: '192.168.0.300' is not an IPv4 address"),
      ("lease-time forever\n", "c:1: lease-time: 'forever' is not a number from 0 to 4294967295"),
      ("routers 10.0.0.1\nrouters 10.0.0.2\n", "c:2: routers is already set on line 1"),
      ("extension-path /a\nextensions-path /b\n", "c:2: extensions-path is already set on line 1"),
      (
        "static-route 10.0.0.0\n", "c:1: static-route takes pairs of addresses (destination router)"
      ),
      (
        "00:0d:fe:23:79:e0 {\n  hostname a\n}\n",
        "c:1: the block for 00:0d:fe:23:79:e0 has no address"
      ),
      (
        "00:0d:fe:23:79:e0 {\n  address 10.0.0.1\n",
        "c:1: the block for 00:0d:fe:23:79:e0 is not closed with '}'"
      ),
      ("00:0d:fe:23:79:zz {\n", "c:1: '00:0d:fe:23:79:zz' is not a MAC address"),
      ("}\n", "c:1: '}' without an open block"),
      ("} x\n", "c:1: unexpected 'x' after '}'"),
      (
        "00:0d:fe:23:79:e0 {\n00:0d:fe:23:79:e1 {\n",
        "c:2: a block cannot start inside the block opened on line 1"
      ),
      (
        "00:0d:fe:23:79:e0 {\naddress 10.0.0.1\n}\n00:0D:FE:23:79:E0 {\n",
        "c:4: 00:0d:fe:23:79:e0 already has a block on line 1"
      ),
      (
        "00:0d:fe:23:79:e0 {\naddress 10.0.0.1\n}\n00:0d:fe:23:79:e1 {\naddress 10.0.0.1\n}\n",
        "c:5: address 10.0.0.1 is already a fixed lease on line 2"
      ),
      (
        "00:0d:fe:23:79:e0 {\naddress 10.0.0.1\naddress 10.0.0.2\n",
        "c:3: address is already set on line 2"
      ),
      ("00:0d:fe:23:79:e0 {\nhostname bad!name\n", "c:2: 'bad!name' is not a host name"),
      ("00:0d:fe:23:79:e0 {\npool-start 10.0.0.5\n", "c:2: pool-start is not a per-host setting"),
      ("address 10.0.0.1\n", "c:1: address belongs inside a fixed-lease block"),
      ("routers\n", "c:1: routers needs a value"),
    ]
    for (text, expected) in cases {
      assertFormatError(expected) { try DHCPConf.parse(text, file: "c", interface: "eth0") }
    }
  }

  func testLeaseFileLinesCarryAnOptionalExpiryAndHostName() throws {
    let input = try Fixture.text("dhcp-leases.input")
    let canonical = try Fixture.text("dhcp-leases.canonical")
    let never = Int64.max
    for variant in Fixture.lineEndingVariants(of: input) {
      let leases = try DHCPLeaseFile.parse(
        variant, file: "in.dhcp.leases.eth0", interface: "eth0", now: 1_700_000_000)
      XCTAssertEqual(leases.map(\.address.description), (100...106).map { "192.168.0.\($0)" })
      XCTAssertEqual(leases.map(\.mac.description), (1...7).map { "aa:bb:cc:00:00:0\($0)" })
      XCTAssertEqual(
        leases.map(\.expiry), [never, never, never, 1_795_800_000, 1_795_800_000, never, never])
      XCTAssertEqual(leases.map(\.hostname?.text), [nil, nil, nil, nil, "laptop", "tv", nil])
      for lease in leases {
        XCTAssertEqual(lease.interface, "eth0")
        XCTAssertEqual(lease.start, 1_700_000_000)
        XCTAssertEqual(lease.state, .active)
      }
      XCTAssertEqual(DHCPLeaseFile.render(leases), canonical)
      XCTAssertEqual(
        try DHCPLeaseFile.parse(
          DHCPLeaseFile.render(leases), file: "f", interface: "eth0", now: 1_700_000_000), leases)
    }
  }

  func testALeaseFileLeaseThatExpiredBeforeNowStartsAtItsExpiry() throws {
    let leases = try DHCPLeaseFile.parse(
      "10.0.0.5 AA:BB:CC:00:00:01 500 old\n", file: "l", interface: "eth0", now: 1000)
    XCTAssertEqual(leases.map(\.start), [500])
    XCTAssertEqual(leases.map(\.expiry), [500])
    XCTAssertEqual(leases.map(\.state), [.active])
  }

  func testLeaseFileRendersNeverOnlyWhenAHostNameFollows() {
    func lease(expiry: Int64, hostname: String?) -> Lease {
      Lease(
        interface: "eth0", address: IPv4Address(10, 0, 0, 5), mac: MACAddress("aa:bb:cc:00:00:01")!,
        hostname: hostname.flatMap { HostName($0) }, start: 0, expiry: expiry, state: .active)
    }
    XCTAssertEqual(
      DHCPLeaseFile.render([
        lease(expiry: Int64.max, hostname: nil), lease(expiry: Int64.max, hostname: "tv"),
        lease(expiry: 0, hostname: nil), lease(expiry: 1_795_800_000, hostname: "tv"),
      ]),
      """
      10.0.0.5 AA:BB:CC:00:00:01
      10.0.0.5 AA:BB:CC:00:00:01 never tv
      10.0.0.5 AA:BB:CC:00:00:01 0
      10.0.0.5 AA:BB:CC:00:00:01 1795800000 tv

      """)
  }

  func testLeaseFileErrorsNameTheFileLineAndValue() {
    let cases: [(String, String)] = [
      ("192.168.0.100\n", "l:1: expected 'address MAC [expiry|never [hostname]]', found '192.168.0.100'"),
      (
        "192.168.0.1 AA:BB:CC:00:00:01 1 tv extra\n",
        "l:1: expected 'address MAC [expiry|never [hostname]]', found '192.168.0.1 AA:BB:CC:00:00:01 1 tv extra'"
      ),
      (
        "192.168.0.1 AA:BB:CC:00:00:01 soon\n",
        "l:1: 'soon' is not an expiry time (Unix seconds or 'never')"
      ),
      (
        "192.168.0.1 AA:BB:CC:00:00:01 -5\n",
        "l:1: '-5' is not an expiry time (Unix seconds or 'never')"
      ),
      (
        "192.168.0.1 AA:BB:CC:00:00:01 99999999999999999999\n",
        "l:1: '99999999999999999999' is not an expiry time (Unix seconds or 'never')"
      ),
      ("192.168.0.1 AA:BB:CC:00:00:01 never bad!name\n", "l:1: 'bad!name' is not a host name"),
      ("192.168.0.256 AA:BB:CC:00:00:01\n", "l:1: '192.168.0.256' is not an IPv4 address"),
      ("192.168.0.1 AA:BB:CC:00:00\n", "l:1: 'AA:BB:CC:00:00' is not a MAC address"),
      (
        "192.168.0.1 AA:BB:CC:00:00:01\n192.168.0.1 AA:BB:CC:00:00:02\n",
        "l:2: address 192.168.0.1 is already leased on line 1"
      ),
      (
        "192.168.0.1 AA:BB:CC:00:00:01\n192.168.0.2 aa:bb:cc:00:00:01\n",
        "l:2: aa:bb:cc:00:00:01 already has a lease on line 1"
      ),
      ("# comment\n", "l:1: '#' is not an IPv4 address"),
    ]
    for (text, expected) in cases {
      assertFormatError(expected) {
        try DHCPLeaseFile.parse(text, file: "l", interface: "eth0", now: 0)
      }
    }
  }
}
