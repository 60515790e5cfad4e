import Foundation
import TestSupport
import XCTest

/// in.mvp run by hand on a socket the test binds, with `-d` so its log lines can be read.
final class InMVPCommandLineTests: XCTestCase {
  /// Binds a service socket, queues `datagrams` from `client` on it, runs
  /// `in.mvp -d -i 0 ARGUMENTS` with the socket as fd 0 and returns its exit status and log.
  func runInMVP(
    _ arguments: [String], dualStack: Bool = false, client: LocatorClient, datagrams: [[UInt8]]
  ) throws -> (status: Int32, log: String) {
    let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM, dualStack: dualStack)
    defer { close(service) }
    for datagram in datagrams { client.send(datagram, toPort: port) }
    return try BuildProducts.runDaemon("in.mvp", ["-i", "0"] + arguments, input: service)
  }

  func testAnswersOnADualStackSocketAsSystemdPassesIt() throws {
    let client = try LocatorClient()
    let result = try runInMVP([], dualStack: true, client: client, datagrams: [client.request(sequence: 3)])
    XCTAssertEqual(result.status, 0, result.log)
    XCTAssertEqual(client.receive(within: 1000), LocatorClient.expectedReply(sequence: 3))
    XCTAssertTrue(result.log.contains("MVPOUT dest=127.0.0.1:\(client.port) server=127.0.0.1\n"), result.log)
  }

  /// The protocol is IPv4's: a request from an IPv6 address (no MediaMVP's) is logged and
  /// dropped, one from IPv4 on the same dual-stack socket answered.
  func testDropsARequestFromAnIPv6AddressOnADualStackSocket() throws {
    let client = try LocatorClient()
    let (service, port) = try LoopbackSocket.bind(SOCK_DGRAM, dualStack: true)
    defer { close(service) }
    let sender = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(sender) }
    let loopback = SocketAddressBytes.ipv6Loopback(port: port)
    let request = client.request(sequence: 6)
    let sent = request.withUnsafeBytes { data in
      loopback.withUnsafeBytes { sendto(sender, data.baseAddress, data.count, 0, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
    }
    XCTAssertEqual(sent, request.count)
    client.send(client.request(sequence: 7), toPort: port)
    let result = try BuildProducts.runDaemon("in.mvp", ["-i", "0"], input: service)
    XCTAssertEqual(result.status, 0, result.log)
    XCTAssertEqual(client.receive(within: 1000), LocatorClient.expectedReply(sequence: 7))
    XCTAssertNil(client.receive(within: 200))
    XCTAssertTrue(result.log.contains("MVPERR not IPv4 host=::1\n"), result.log)
  }

  func testOffersTheConfiguredAddressAndPorts() throws {
    let client = try LocatorClient()
    let result = try runInMVP(
      ["--gui-port", "1", "--media-port=2", "--console-port", "3", "10.1.2.3"], client: client,
      datagrams: [client.request(sequence: 4)])
    XCTAssertEqual(result.status, 0, result.log)
    let reply = try XCTUnwrap(client.receive(within: 1000))
    XCTAssertEqual(Array(reply[24...29]), [10, 1, 2, 3, 0, 1])
    XCTAssertEqual(Array(reply[32...37]), [10, 1, 2, 3, 0, 2])
    XCTAssertEqual(Array(reply[44...49]), [10, 1, 2, 3, 0, 3])
    XCTAssertEqual(Array(reply[8...13]), [0, 0, 0, 0, 0, 0], "10.1.2.3 is on no local interface")
    XCTAssertTrue(result.log.contains("MVPOUT dest=127.0.0.1:\(client.port) server=10.1.2.3\n"), result.log)
  }

  func testLogsAndIgnoresMalformedDatagrams() throws {
    let client = try LocatorClient()
    var wrongIDs = client.request(sequence: 5)
    wrongIDs[4...7] = [0xFA, 0xFE, 0x0A, 0xBE]
    let result = try runInMVP([], client: client, datagrams: [Array(repeating: 0, count: 10), wrongIDs])
    XCTAssertEqual(result.status, 0, result.log)
    XCTAssertNil(client.receive(within: 200))
    let lines = result.log.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).last ?? "" }
    XCTAssertEqual(lines, ["MVPERR size=10 host=127.0.0.1", "MVPERR wrong ids=FAFE0ABE host=127.0.0.1"])
  }
}

/// A sockaddr_in6 for [::1]:PORT, as bytes.
enum SocketAddressBytes {
  static func ipv6Loopback(port: UInt16) -> [UInt8] {
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_port = port.bigEndian
    address.sin6_addr = in6addr_loopback
    return withUnsafeBytes(of: &address) { Array($0) }
  }
}
