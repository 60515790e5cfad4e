import Foundation
import TestSupport
import XCTest

/// The network-namespace harness the DHCP tests stand on: it must leave nothing behind.
final class DHCPHarnessTests: XCTestCase {
  func testTearDownStopsEveryProcessAndDeletesTheNamespaces() throws {
    let net = try NetworkNamespaces(clientAddress: "10.99.0.2")
    let names = [net.serverName, net.clientName]
    XCTAssertTrue(Set(names).isSubset(of: NetworkNamespaces.existing()), "\(NetworkNamespaces.existing())")
    XCTAssertNotEqual(net.serverName, try NetworkNamespaces().serverName, "each pair gets its own names")

    // The pair is joined: the client reaches the server's address and nothing else exists.
    // (A refused TCP connection proves a round trip: the server's kernel answered with RST.)
    let probe = try net.run(
      in: .client,
      ["/usr/bin/python3", "-c",
       "import socket\ntry:\n socket.create_connection(('\(NetworkNamespaces.serverAddress)', 9), timeout=2)\nexcept ConnectionRefusedError:\n print('refused')"])
    XCTAssertEqual(probe.output, "refused\n")
    XCTAssertEqual(try net.clientAddresses(), ["10.99.0.2/16"])
    let links = try net.run(in: .client, ["/usr/sbin/ip", "-o", "link", "show", "dev", NetworkNamespaces.clientInterface])
    XCTAssertTrue(links.output.contains(net.clientMAC), links.output)

    // A tracked process, and one that escaped tracking (as a daemonizing client would).
    let tracked = try net.start(in: .server, ["/usr/bin/sleep", "600"])
    // (Started without a pipe to read: the sleep would hold it open.)
    let directory = try TemporaryDirectory()
    let launcher = try ChildProcess(
      "/usr/sbin/ip",
      ["netns", "exec", net.clientName, "/bin/sh", "-c", "setsid /usr/bin/sleep 600 & echo $! > \(directory.path)/pid"])
    for _ in 0..<100 where launcher.isRunning { usleep(20_000) }
    let written = try String(contentsOfFile: directory.path + "/pid", encoding: .utf8)
    let escapedPID = try XCTUnwrap(pid_t(written.trimmingCharacters(in: .whitespacesAndNewlines)), written)
    XCTAssertEqual(kill(escapedPID, 0), 0)
    XCTAssertEqual(net.pids(in: .server), [tracked.pid])

    net.tearDown()
    XCTAssertFalse(tracked.isRunning)
    XCTAssertTrue(kill(escapedPID, 0) != 0 || Self.isZombie(escapedPID), "pid \(escapedPID) survived the tear-down")
    XCTAssertTrue(Set(names).isDisjoint(with: NetworkNamespaces.existing()), "\(NetworkNamespaces.existing())")
  }

  static func isZombie(_ pid: pid_t) -> Bool {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
  }
}
