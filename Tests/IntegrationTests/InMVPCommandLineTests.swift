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
