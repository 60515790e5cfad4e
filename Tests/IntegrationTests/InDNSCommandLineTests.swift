import Foundation
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
    for arguments in [["-x"], ["--ttl", "-1"], ["--domain", "bad domain"], ["operand"], ["--db", "a", "-f", "b"]] {
      let result = try runInDNS(arguments)
      XCTAssertEqual(result.status, 64, "\(arguments): \(result.log)")
      XCTAssertEqual(result.log.split(separator: "\n").count, 1, result.log)
      XCTAssertTrue(result.log.contains("usage: in.dns [-d] [-i IDLE] [-t TCP_IDLE]"), result.log)
    }
  }

  func testExitsNoInputWhenFd0IsNotASocketOrTheDataIsMissing() throws {
    let directory = try TemporaryDirectory()
    let notASocket = try runInDNS(["-f", "/etc/hostname"])
    XCTAssertEqual(notASocket.status, 66, notASocket.log)
    XCTAssertTrue(notASocket.log.contains("fd 0 is not a socket"), notASocket.log)

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
}
