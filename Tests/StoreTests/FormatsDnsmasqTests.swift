import Store
import XCTest

final class FormatsDnsmasqTests: XCTestCase {
  func testHostsGoldenFileReadsEveryFieldOrderAndDropsLeaseTimes() throws {
    let input = try Fixture.text("dnsmasq-hosts.input")
    let canonical = try Fixture.text("dnsmasq-hosts.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let leases = try DnsmasqHosts.parse(variant, file: "dhcp-hosts", interface: nil)
      XCTAssertEqual(leases.count, 7)
      XCTAssertEqual(leases[0].mac.description, "00:0d:fe:23:79:e0")
      XCTAssertEqual(leases[0].hostname, HostName("mvp-lounge"))
      XCTAssertNil(leases[0].interface)
      XCTAssertEqual(leases[1].clientID, [0x01, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01])
      XCTAssertEqual(leases[2].address, leases[3].address, "two MACs on one line share the address")
      XCTAssertEqual(leases[4].clientID, Array("host,one".utf8))
      XCTAssertEqual(leases[5].address, IPv4Address(192, 168, 0, 7))
      XCTAssertNil(leases[5].hostname, "3600 is a lease time, not a host name")
      XCTAssertNil(leases[6].clientID)
      XCTAssertEqual(DnsmasqHosts.render(leases), canonical)
      XCTAssertEqual(try DnsmasqHosts.parse(canonical, file: "f", interface: nil), leases)
    }
  }

  func testHostsKeepTheInterfaceAndAOneByteClientID() throws {
    let leases = [
      StaticLease(
        mac: MACAddress("02:00:00:00:00:01")!, clientID: [0x41], address: IPv4Address(10, 0, 0, 1),
        interface: "eth1"),
      StaticLease(
        mac: MACAddress("02:00:00:00:00:02")!, clientID: [0, 1], address: IPv4Address(10, 0, 0, 2),
        interface: "eth1"),
    ]
    let text = DnsmasqHosts.render(leases)
    XCTAssertEqual(
      text, "02:00:00:00:00:01,id:\"A\",10.0.0.1\n02:00:00:00:00:02,id:00:01,10.0.0.2\n")
    XCTAssertEqual(try DnsmasqHosts.parse(text, file: "f", interface: "eth1"), leases)
  }

  func testHostsRefuseWhatTheStoreCannotHold() {
    let cases: [(String, String)] = [
      ("aa:bb:cc:dd:ee:01,set:red,10.0.0.1\n", "h:1: tags are not supported ('set:red')"),
      ("aa:bb:cc:dd:ee:01,tag:red,10.0.0.1\n", "h:1: tags are not supported ('tag:red')"),
      ("aa:bb:cc:dd:ee:*,10.0.0.1\n", "h:1: wildcards are not supported ('aa:bb:cc:dd:ee:*')"),
      ("aa:bb:cc:dd:ee:01,[fd00::1]\n", "h:1: IPv6 addresses are not supported ('[fd00::1]')"),
      ("aa:bb:cc:dd:ee:01,ignore\n", "h:1: 'ignore' entries are not supported"),
      ("aa:bb:cc:dd:ee:01,laptop\n", "h:1: no IPv4 address in 'aa:bb:cc:dd:ee:01,laptop'"),
      ("aa:bb:cc:dd:ee:01,10.0.0.1,bad!name\n", "h:1: unsupported field 'bad!name'"),
      ("aa:bb:cc:dd:ee,10.0.0.1\n", "h:1: 'aa:bb:cc:dd:ee' is not a MAC address"),
      (
        "laptop,10.0.0.1\n",
        "h:1: no MAC address in 'laptop,10.0.0.1' (entries without one are not supported)"
      ),
      ("aa:bb:cc:dd:ee:01,10.0.0.1,10.0.0.2\n", "h:1: more than one IPv4 address ('10.0.0.2')"),
      ("aa:bb:cc:dd:ee:01,10.0.0.1,a,b\n", "h:1: more than one host name ('b')"),
      ("aa:bb:cc:dd:ee:01,,10.0.0.1\n", "h:1: empty field in 'aa:bb:cc:dd:ee:01,,10.0.0.1'"),
      (
        "aa:bb:cc:dd:ee:01,id:\"x,10.0.0.1\n",
        "h:1: unterminated quote in 'aa:bb:cc:dd:ee:01,id:\"x,10.0.0.1'"
      ),
      (
        "aa:bb:cc:dd:ee:01,id:01:zz,10.0.0.1\n",
        "h:1: 'id:01:zz' is not a client id (hex bytes with colons)"
      ),
      (
        "aa:bb:cc:dd:ee:01,10.0.0.1\naa:bb:cc:dd:ee:02,10.0.0.1\n",
        "h:2: address 10.0.0.1 is already given on line 1"
      ),
      (
        "aa:bb:cc:dd:ee:01,10.0.0.1\nAA:BB:CC:DD:EE:01,10.0.0.2\n",
        "h:2: aa:bb:cc:dd:ee:01 is already given on line 1"
      ),
    ]
    for (text, expected) in cases {
      assertFormatError(expected) { try DnsmasqHosts.parse(text, file: "h", interface: nil) }
    }
  }

  func testLeasesGoldenFileReadsInfiniteExpiryAndMissingFields() throws {
    let input = try Fixture.text("dnsmasq-leases.input")
    let canonical = try Fixture.text("dnsmasq-leases.canonical")
    for variant in Fixture.lineEndingVariants(of: input) {
      let leases = try DnsmasqLeases.parse(variant, file: "dnsmasq.leases", interface: "eth0")
      XCTAssertEqual(
        leases[0],
        Lease(
          interface: "eth0", address: IPv4Address(192, 168, 0, 100),
          mac: MACAddress("00:0d:fe:23:79:e0")!,
          clientID: [0x01, 0x00, 0x0d, 0xfe, 0x23, 0x79, 0xe0], hostname: HostName("mvp-lounge"),
          start: 0, expiry: 1_700_000_000, state: .active))
      XCTAssertEqual(leases[1].expiry, Int64.max, "0 means infinite")
      XCTAssertNil(leases[1].hostname)
      XCTAssertNil(leases[1].clientID)
      XCTAssertEqual(leases[2].clientID, [0xff, 0x00, 0x01])
      XCTAssertEqual(DnsmasqLeases.render(leases), canonical)
      XCTAssertEqual(try DnsmasqLeases.parse(canonical, file: "f", interface: "eth0"), leases)
    }
  }

  func testLeasesErrorsNameTheFileLineAndValue() {
    let cases: [(String, String)] = [
      ("duid 00:01:00:01\n", "d:1: DHCPv6 leases are not supported"),
      (
        "0 aa:bb:cc:dd:ee:01 10.0.0.1 *\n",
        "d:1: expected 'expiry MAC address hostname client-id', found '0 aa:bb:cc:dd:ee:01 10.0.0.1 *'"
      ),
      (
        "soon aa:bb:cc:dd:ee:01 10.0.0.1 * *\n", "d:1: 'soon' is not an expiry time (epoch seconds)"
      ),
      ("-5 aa:bb:cc:dd:ee:01 10.0.0.1 * *\n", "d:1: '-5' is not an expiry time (epoch seconds)"),
      ("0 aa:bb:cc:dd:ee 10.0.0.1 * *\n", "d:1: 'aa:bb:cc:dd:ee' is not a MAC address"),
      ("0 aa:bb:cc:dd:ee:01 10.0.0.300 * *\n", "d:1: '10.0.0.300' is not an IPv4 address"),
      ("0 aa:bb:cc:dd:ee:01 10.0.0.1 bad!name *\n", "d:1: 'bad!name' is not a host name"),
      (
        "0 aa:bb:cc:dd:ee:01 10.0.0.1 * 0g:01\n",
        "d:1: '0g:01' is not a client id (hex bytes with colons)"
      ),
      (
        "0 aa:bb:cc:dd:ee:01 10.0.0.1 * *\n0 aa:bb:cc:dd:ee:02 10.0.0.1 * *\n",
        "d:2: address 10.0.0.1 is already leased on line 1"
      ),
    ]
    for (text, expected) in cases {
      assertFormatError(expected) { try DnsmasqLeases.parse(text, file: "d", interface: "eth0") }
    }
  }
}
