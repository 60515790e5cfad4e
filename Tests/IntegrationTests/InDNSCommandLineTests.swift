import Foundation
import Store
import TestSupport
import XCTest

/// in.dns run by hand with `-d` (log to stderr) on sockets and files the test makes.
final class InDNSCommandLineTests: XCTestCase {
  /// Runs in.dns with `-d` and ARGUMENTS, fd 0 being `input` (else /dev/null); returns its
  /// exit status and log.
  func runInDNS(_ arguments: [String], input: Int32? = nil) throws -> (status: Int32, log: String) {
    try BuildProducts.runDaemon("in.dns", arguments, input: input)
  }

  func testRejectsABadCommandLineWithUsage() throws {
    for arguments in [
      ["-x"], ["--ttl", "-1"], ["--domain", "bad domain"], ["operand"], ["--db", "a", "-f", "b"], ["--rate-limit", "-1"],
      ["--slip", "101"],
    ] {
      let result = try runInDNS(arguments)
      XCTAssertEqual(result.status, 64, "\(arguments): \(result.log)")
      XCTAssertEqual(result.log.split(separator: "\n").count, 1, result.log)
      XCTAssertTrue(result.log.contains("usage: in.dns [-d] [-n] [-i IDLE] [-t TCP_IDLE]"), result.log)
    }
  }

  func testExitsNoInputWhenFd0IsNotASocketOrTheDataIsMissing() throws {
    let directory = try TemporaryDirectory()
    let notASocket = try runInDNS(["-f", "/etc/hostname"])
    XCTAssertEqual(notASocket.status, 66, notASocket.log)
    XCTAssertTrue(notASocket.log.contains("fd 0 is not a datagram socket or a stream socket"), notASocket.log)

    let (service, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let noStore = try runInDNS(["-i", "0", "--db", directory.path + "/absent.db"], input: service)
    XCTAssertEqual(noStore.status, 66, noStore.log)
    XCTAssertTrue(noStore.log.contains(directory.path + "/absent.db"), noStore.log)
    let noFile = try runInDNS(["-i", "0", "-f", directory.path + "/absent.conf"], input: service)
    XCTAssertEqual(noFile.status, 66, noFile.log)
    XCTAssertTrue(noFile.log.contains(directory.path + "/absent.conf: No such file or directory"), noFile.log)
  }

  func testABadFlatFileIsADataErrorNamingTheLine() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/in.dns.conf"
    try "nas.home. 192.168.0.2\nnot-a-line\n".write(toFile: file, atomically: true, encoding: .utf8)
    let (service, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(service) }
    let result = try runInDNS(["-i", "0", "-f", file], input: service)
    XCTAssertEqual(result.status, 65, result.log)
    XCTAssertTrue(result.log.contains("\(file):2: "), result.log)
  }

  /// `-n` on the store: every setting with its default, and the names each local domain holds
  /// (--domain ones and DHCP domain-names); fd 0 is /dev/null, not a socket.
  func testCheckModePrintsTheEffectiveConfigurationAndTheStoresNamesPerDomain() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    for (name, address) in [("nas.home", "192.168.0.2"), ("nas.home", "2001:db8::2"), ("tv.lan", "192.168.0.50"),
                            ("box.example.org", "10.0.0.5")] {
      try store.addDNSHost(DNSHost(name: HostName(name)!, address: IPAddress(address)!))
    }
    try store.setDHCPSetting(interface: "eth0", DHCPSetting(keyword: "domain-name", values: ["lan"]))
    let bin = try BuildProducts.binDirectory()
    // The system's resolvers, less loopback and the machine's own addresses (asking ourselves would loop).
    let resolvConf = URL(fileURLWithPath: database).deletingLastPathComponent().path + "/resolv.conf"
    try "search example.test\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nnameserver 2001:db8::53\noptions edns0\n"
      .write(toFile: resolvConf, atomically: true, encoding: .utf8)
    let result = try ChildProcess.run(
      bin + "/in.dns",
      ["-n", "--db", database, "--domain", "home", "--server-name", "ns.test", "--ttl", "300", "-t", "5", "--slip", "3",
       "--resolv-conf", resolvConf, "--allow", "192.168.0.0/24", "--allow", "fd00::/8"])
    XCTAssertEqual(result.status, 0, result.output)
    var lines = result.output.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 17, result.output)
    XCTAssertTrue(lines.count > 1 && lines[1].hasPrefix("serial "), result.output)
    if lines.count > 1 { lines.remove(at: 1) }
    XCTAssertEqual(
      lines,
      [
        "store \(database)", "idle 30", "tcp-idle 5", "max-clients 32", "max-per-source 8", "ttl 300", "server-name ns.test", "forward yes",
        "cache-size 4194304", "rate-limit 200", "slip 3", "upstreams 192.0.2.1:53 [2001:db8::53]:53", "allow 192.168.0.0/24 fd00::/8", "domain home 1 names 2 records", "domain lan 1 names 1 records", "outside-local-domains 1 names 1 records",
      ])

    // The store's setting comes before resolv.conf; what names no server is said, not used.
    try store.setSetting("dns_upstreams", "192.0.2.9:5353 [2001:db8::9]:53 2130706433 resolver.example")
    let fromStore = try ChildProcess.run(bin + "/in.dns", ["-n", "--db", database, "--resolv-conf", resolvConf])
    XCTAssertTrue(fromStore.output.contains("\nupstreams 192.0.2.9:5353 [2001:db8::9]:53\n"), fromStore.output)
    XCTAssertTrue(fromStore.output.contains("\n# dns_upstreams: ignoring 2130706433 resolver.example ("), fromStore.output)
    // A resolv.conf naming only systemd-resolved's stub (ourselves, on loopback): the next file,
    // as systemd-resolved's own list of upstream servers is read after /etc/resolv.conf.
    try store.setSetting("dns_upstreams", nil)
    let stubOnly = resolvConf + ".stub"
    try "nameserver 127.0.0.53\noptions edns0 trust-ad\n".write(toFile: stubOnly, atomically: true, encoding: .utf8)
    let nextFile = try ChildProcess.run(
      bin + "/in.dns", ["-n", "--db", database, "--resolv-conf", stubOnly, "--resolv-conf", resolvConf])
    XCTAssertTrue(nextFile.output.contains("\nupstreams 192.0.2.1:53 [2001:db8::53]:53\n"), nextFile.output)
    let none = try ChildProcess.run(bin + "/in.dns", ["-n", "--db", database, "--resolv-conf", stubOnly])
    XCTAssertTrue(none.output.contains("no upstream server (dns_upstreams, \(stubOnly))"), none.output)
    // --upstream comes first of all.
    let given = try ChildProcess.run(bin + "/in.dns", ["-n", "--db", database, "--upstream", "[::1]:5300"])
    XCTAssertTrue(given.output.contains("\nupstreams [::1]:5300\n"), given.output)
    let wrong = try ChildProcess.run(bin + "/in.dns", ["-n", "--db", database, "--upstream", "resolver.example"])
    XCTAssertEqual(wrong.status, 64, wrong.output)
  }

  func testCheckModeReadsTheFlatFileAndNamesItsBadLineOrAMissingStore() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/in.dns.conf"
    try "nas.home. 192.168.0.2\nprinter.home. 192.168.0.3\n".write(toFile: file, atomically: true, encoding: .utf8)
    let bin = try BuildProducts.binDirectory()
    let good = try ChildProcess.run(bin + "/in.dns", ["-n", "-f", file, "--domain", "home", "--no-forward"])
    XCTAssertEqual(good.status, 0, good.output)
    XCTAssertTrue(good.output.hasPrefix("file \(file)\n"), good.output)
    XCTAssertTrue(good.output.contains("\nforward no\ncache-size 0\nrate-limit 200\nslip 2\ndomain home 2 names 2 records\n"), good.output)

    try "nas.home. 192.168.0.2\nnot-a-line\n".write(toFile: file, atomically: true, encoding: .utf8)
    let bad = try ChildProcess.run(bin + "/in.dns", ["-n", "-f", file])
    XCTAssertEqual(bad.status, 65, bad.output)
    XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
    XCTAssertTrue(bad.output.contains("\(file):2: "), bad.output)

    let noStore = try ChildProcess.run(bin + "/in.dns", ["-n", "--db", directory.path + "/absent.db"])
    XCTAssertEqual(noStore.status, 66, noStore.output)
    XCTAssertTrue(noStore.output.contains(directory.path + "/absent.db"), noStore.output)
  }
}
