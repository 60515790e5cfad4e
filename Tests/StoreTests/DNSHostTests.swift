import XCTest

@testable import Store

final class DNSHostTests: StoreTestCase {
  func testHostsKeepInsertionOrderAndTheFirstNameAnswersThePTR() throws {
    let store = try openStore()
    let hosts = [
      DNSHost(name: host("slug.home"), address: ip("192.168.0.1")),
      DNSHost(name: host("nas.home"), address: ip("192.168.0.1")),
      DNSHost(name: host("printer.home"), address: ip("192.168.0.50")),
      DNSHost(name: host("slug.home"), address: ip("2001:db8::1")),
    ]
    for entry in hosts { try store.addDNSHost(entry) }
    XCTAssertEqual(try store.dnsHosts(), hosts)
    XCTAssertEqual(try store.dnsName(of: ip("192.168.0.1"))?.text, "slug.home")
    XCTAssertEqual(try store.dnsName(of: ip("2001:0db8:0::1"))?.text, "slug.home")
    XCTAssertNil(try store.dnsName(of: ip("192.168.0.2")))
    XCTAssertEqual(try store.dnsAddresses(of: host("SLUG.home")), [ip("192.168.0.1"), ip("2001:db8::1")])
    XCTAssertEqual(try store.dnsAddresses(of: host("other.home")), [])
  }

  func testTheSameNameAndAddressTwiceIsADuplicateWhateverTheCase() throws {
    let store = try openStore()
    try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
    assertThrows(.duplicate("host 'nas.home' already has address 192.168.0.2")) { () throws(StoreError) in
      try store.addDNSHost(DNSHost(name: host("NAS.Home."), address: ip("192.168.0.2")))
    }
    try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.3")))
    XCTAssertEqual(try store.dnsHosts().count, 2)
  }

  func testRemovingANameRemovesAllItsAddressesOrJustTheOneGiven() throws {
    let store = try openStore()
    try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
    try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.3")))
    try store.addDNSHost(DNSHost(name: host("tv.home"), address: ip("192.168.0.4")))
    try store.removeDNSHost(name: host("NAS.home"), address: ip("192.168.0.2"))
    XCTAssertEqual(try store.dnsAddresses(of: host("nas.home")), [ip("192.168.0.3")])
    assertThrows(.notFound("host 'nas.home' has no address 192.168.0.2")) { () throws(StoreError) in
      try store.removeDNSHost(name: host("nas.home"), address: ip("192.168.0.2"))
    }
    try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.5")))
    try store.removeDNSHost(name: host("nas.home"), address: nil)
    XCTAssertEqual(try store.dnsHosts(), [DNSHost(name: host("tv.home"), address: ip("192.168.0.4"))])
    assertThrows(.notFound("no host 'nas.home'")) { () throws(StoreError) in
      try store.removeDNSHost(name: host("nas.home"), address: nil)
    }
  }

  func testADamagedRowIsReportedNotTrusted() throws {
    let store = try openStore()
    try store.database.run("INSERT INTO dns_hosts (name, address, family) VALUES ('x.home', '1.2.3', 4)")
    assertThrows(.io("\(databasePath): stored address '1.2.3' does not parse")) { () throws(StoreError) in
      try store.dnsHosts()
    }
  }
}
