import Store
import XCTest

final class AddressTests: XCTestCase {
  func testIPv4ParsesOnlyStrictDottedQuads() {
    XCTAssertEqual(IPv4Address("192.168.0.1")?.description, "192.168.0.1")
    for bad in [
      "192.168.0", "192.168.0.1.2", "192.168.00.1", "256.1.1.1", "1..1.1", " 1.1.1.1", "a.b.c.d",
      "", "1.2.3.", ".1.2.3", "1.2.3.4.", "01.1.1.1", "1.2.3.1000", "1.2.3.-1", "1.2.3.4 ",
    ] {
      XCTAssertNil(IPv4Address(bad), bad)
    }
    XCTAssertEqual(IPv4Address("0.0.0.0")?.value, 0)
    XCTAssertEqual(IPv4Address("255.255.255.255")?.value, 0xffff_ffff)
    XCTAssertEqual(IPv4Address("10.0.200.1")?.value, 0x0a00_c801)
    XCTAssertEqual(IPv4Address("10.0.0.1")?.reverseName, "1.0.0.10.in-addr.arpa")
  }

  func testIPv6PrintsTheCanonicalForm() {
    XCTAssertEqual(IPv6Address("2001:DB8:0:0:0:0:0:1")?.description, "2001:db8::1")
    XCTAssertEqual(IPv6Address("2001:db8:0:0:1:0:0:1")?.description, "2001:db8::1:0:0:1")
    XCTAssertEqual(IPv6Address("::")?.description, "::")
    XCTAssertEqual(IPv6Address("::1")?.description, "::1")
    XCTAssertEqual(IPv6Address("fe80::")?.description, "fe80::")
    XCTAssertEqual(IPv6Address("::ffff:192.168.0.1")?.description, "::ffff:192.168.0.1")
    XCTAssertEqual(IPv6Address("2001:db8:1:2:3:4:5:6")?.description, "2001:db8:1:2:3:4:5:6")
    XCTAssertEqual(IPv6Address("2001:0:0:1:0:0:0:1")?.description, "2001:0:0:1::1")
    for bad in ["", ":", "1:2:3:4:5:6:7", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "::1.2.3"] {
      XCTAssertNil(IPv6Address(bad), bad)
    }
    XCTAssertEqual(
      IPv6Address("2001:db8::567:89ab")?.reverseName,
      "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
  }

  func testMACAcceptsTheCommonSpellingsAndPrintsOne() {
    for text in ["00:0d:fe:23:79:e0", "00-0D-FE-23-79-E0", "000d.fe23.79e0", "000DFE2379E0", "0:d:fe:23:79:e0"] {
      XCTAssertEqual(MACAddress(text)?.description, "00:0d:fe:23:79:e0", text)
    }
    XCTAssertEqual(MACAddress("00:0d:fe:23:79:e0")?.formatted(uppercase: true), "00:0D:FE:23:79:E0")
    for bad in ["00:0d:fe:23:79", "00:0d:fe:23:79:e0:11", "000d.fe23.79e", "00:0d:fe:23:79:g0", "000:d:fe:23:79:e0"] {
      XCTAssertNil(MACAddress(bad), bad)
    }
  }

  func testHostNamesCompareWithoutCaseAndDropOneTrailingDot() {
    XCTAssertEqual(HostName("Slug.Home."), HostName("slug.home"))
    XCTAssertEqual(HostName("Slug.Home.")?.text, "Slug.Home")
    for bad in [
      "", ".", "a..b", "-a.b", "a-.b", "a b", String(repeating: "a", count: 64), "a..", "..", "a.b-",
      "-", ".a", "a.b.c.-", "é.home", String(repeating: "a.", count: 127) + "ab",
    ] {
      XCTAssertNil(HostName(bad), bad)
    }
    for good in ["a", "a.", "a-b.c_d.9", String(repeating: "a", count: 63) + ".home", String(repeating: "a.", count: 126) + "a"] {
      XCTAssertEqual(HostName(good)?.text, good.hasSuffix(".") ? String(good.dropLast()) : good, good)
    }
  }
}
