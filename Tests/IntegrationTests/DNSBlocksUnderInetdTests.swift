import Foundation
import TestSupport
import XCTest

/// Issue 21's local data and block list through in.dns on the lines `slugctl inetd generate`
/// writes (no --domain: the store has it), under openbsd-inetd, asked by dig.
final class DNSBlocksUnderInetdTests: XCTestCase {
  func testTheLANDomainFromTheStoreIsServedWithoutEditingTheGeneratedLines() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    try server.slugctl("dns", "domain", "lan")
    try server.slugctl("dns", "add", "nas2", "192.168.7.9")

    XCTAssertEqual(try server.dig("nas2.lan", "A").answers, ["nas2.lan. 60 IN A 192.168.7.9"])
    XCTAssertEqual(try server.dig("nas2", "A").answers, ["nas2. 60 IN A 192.168.7.9"])
    XCTAssertEqual(try server.dig("-x", "192.168.7.9").answers, ["9.7.168.192.in-addr.arpa. 60 IN PTR nas2.lan."])
    let apex = try server.dig("lan", "SOA")
    XCTAssertEqual(apex.status, "NOERROR", apex.output)
    XCTAssertTrue(apex.flags.contains("aa"), apex.output)
    XCTAssertTrue(apex.answers.first?.contains(" IN SOA ns.test. hostmaster.lan. ") ?? false, apex.output)
    XCTAssertEqual(try server.dig("nothere.lan", "A").status, "NXDOMAIN")

    // RFC 6303: a private reverse name nobody holds is ours to deny, never REFUSED or forwarded.
    let privateReverse = try server.dig("-x", "10.9.9.9")
    XCTAssertEqual(privateReverse.status, "NXDOMAIN", privateReverse.output)
    XCTAssertTrue(privateReverse.flags.contains("aa"), privateReverse.output)
    XCTAssertEqual(try server.dig("x.home.arpa", "A").status, "NXDOMAIN")
  }

  func testTwoHundredThousandImportedNamesAndTheirSubdomainsAreBlockedAndLocalNamesWin() throws {
    let server = try DNSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let list = server.directory.path + "/blocklist.hosts"
    // As dnsmasq's addn-hosts reads it, with a published list's boilerplate at the top.
    var text = "# test list\n127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n0.0.0.0 0.0.0.0\n"
    text.reserveCapacity(200_000 * 32)
    for index in 0..<200_000 { text += "0.0.0.0 ad\(index).blocked.test\n" }
    text += "nas.home\nnot..valid\n"
    try text.write(toFile: list, atomically: true, encoding: .utf8)

    let imported = try ChildProcess.run(
      server.prefix + "/sbin/slugctl", ["dns", "block", "import", list, "--db", server.database])
    XCTAssertEqual(imported.status, 0, imported.output)
    XCTAssertTrue(
      imported.output.contains(
        "\(list): 200002 names read, 200001 added, 0 already present, 1 refused, 5 hosts-file entries skipped"),
      imported.output)
    XCTAssertTrue(imported.output.contains("\(list):200006: 'not..valid' is not a domain name"), imported.output)

    let blocked = try server.dig("cdn.ad123456.blocked.test", "A")
    XCTAssertEqual(blocked.status, "NXDOMAIN", blocked.output)
    XCTAssertFalse(blocked.flags.contains("aa"), blocked.output)
    XCTAssertTrue(blocked.flags.contains("ra"), blocked.output)
    XCTAssertTrue(blocked.authority.first?.hasPrefix("ad123456.blocked.test. 60 IN SOA ") ?? false, blocked.output)
    XCTAssertEqual(try server.dig("ad199999.blocked.test", "AAAA").status, "NXDOMAIN")
    XCTAssertEqual(try server.dig("+tcp", "ad7.blocked.test", "A").status, "NXDOMAIN", "over TCP too")
    XCTAssertEqual(try server.dig("blocked.test", "A").status, "REFUSED", "a parent of a listed name is not blocked")
    // Listed too, but local: local names always win.
    XCTAssertEqual(try server.dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])

    try server.slugctl("dns", "block", "answer", "null")
    XCTAssertEqual(try server.dig("ad5.blocked.test", "A").answers, ["ad5.blocked.test. 60 IN A 0.0.0.0"])
    XCTAssertEqual(try server.dig("ad5.blocked.test", "AAAA").answers, ["ad5.blocked.test. 60 IN AAAA ::"])
    try server.slugctl("dns", "block", "rm", "ad5.blocked.test")
    XCTAssertEqual(try server.dig("ad5.blocked.test", "A").status, "REFUSED", "unblocked: outside again")
  }
}
