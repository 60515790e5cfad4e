import Foundation
import TestSupport
import XCTest

/// The daemons are exec'd once per connection: they must stay static and free of Foundation.
final class DaemonBinaryTests: XCTestCase {
  func testEveryDaemonIsAStaticExecutable() throws {
    let bin = try BuildProducts.binDirectory()
    for daemon in BuildProducts.daemons {
      let file = try ChildProcess.run("/usr/bin/file", ["-L", "\(bin)/\(daemon)"])
      XCTAssertEqual(file.status, 0, file.output)
      XCTAssertTrue(
        file.output.contains("statically linked") || file.output.contains("static-pie linked"),
        "\(daemon): \(file.output)")
      let ldd = try ChildProcess.run("/usr/bin/ldd", ["\(bin)/\(daemon)"])
      XCTAssertTrue(
        ldd.output.contains("statically linked") || ldd.output.contains("not a dynamic executable"),
        "\(daemon): \(ldd.output)")
    }
  }

  func testNoDaemonCarriesFoundation() throws {
    let bin = try BuildProducts.binDirectory()
    for daemon in BuildProducts.daemons {
      let symbols = try ChildProcess.run("/usr/bin/nm", ["\(bin)/\(daemon)"])
      XCTAssertEqual(symbols.status, 0)
      XCTAssertGreaterThan(symbols.output.count, 1000, "\(daemon): nm printed no symbol table")
      let foundation = symbols.output.split(separator: "\n").filter { $0.contains("Foundation") }
      XCTAssertEqual(foundation.prefix(5), [], daemon)
    }
  }

  func testInMVPCheckModePrintsTheEffectiveConfigurationWithoutTouchingFdZero() throws {
    let bin = try BuildProducts.binDirectory()
    let defaults = try ChildProcess.run("\(bin)/in.mvp", ["-n"])
    XCTAssertEqual(defaults.status, 0, defaults.output)
    XCTAssertEqual(
      defaults.output,
      "idle 30\nserver the address each request arrives on\ngui-port 5906\nmedia-port 6337\nconsole-port 16886\n")
    let given = try ChildProcess.run("\(bin)/in.mvp", ["-n", "-i", "5", "--media-port", "7000", "127.0.0.9"])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertTrue(given.output.contains("idle 5\nserver 127.0.0.9\n"), given.output)
    XCTAssertTrue(given.output.contains("media-port 7000\n"), given.output)
  }

  func testInMVPRejectsABadCommandLineWithUsage() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["--gui-port", "70000"], ["not-an-address"], ["10.0.0.1", "10.0.0.2"]] {
      let result = try ChildProcess.run("\(bin)/in.mvp", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.mvp [-d] [-n] [-i IDLE]"), result.output)
    }
  }

  func testInProxyRejectsABadCommandLineWithUsage() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["--allow", "10.0.0.0/33"], ["--allow", "lan"], ["--connect-port", "0"], ["-t", "0"], ["extra"]] {
      let result = try ChildProcess.run("\(bin)/in.proxy", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.proxy [-d] [-t IDLE]"), result.output)
    }
  }

  func testInProxyRefusesAnFdZeroThatIsNotAStreamSocket() throws {
    let result = try BuildProducts.runDaemon("in.proxy", [], input: nil)
    XCTAssertEqual(result.status, 66, result.log)
    XCTAssertTrue(result.log.contains("fd 0 is not a stream socket"), result.log)
  }

  func testInWWWRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-t", "0"], ["--cgi-timeout", "many"], ["relative/root"], ["/a", "/b"], ["--index", "a/b"]] {
      let result = try ChildProcess.run("\(bin)/in.www", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.www [-d] [-t IDLE] [-r READ]"), result.output)
    }
    let notSocket = try ChildProcess.run("\(bin)/in.www", ["-d", "/tmp"])
    XCTAssertEqual(notSocket.status, 66, notSocket.output)
    XCTAssertTrue(notSocket.output.contains("fd 0 is not a stream socket"), notSocket.output)
  }

  func testInSMTPRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-s", "sendmail"], ["--allow", "lan"], ["--relay-domain", "-x.lan"], ["--max-size", "10"],
                      ["--max-recipients", "0"], ["-t", "0"], ["--hostname", "a b"], ["extra"]] {
      let result = try ChildProcess.run("\(bin)/in.smtp", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.smtp [-d] [-s SENDMAIL]"), result.output)
    }
    let notSocket = try BuildProducts.runDaemon("in.smtp", [], input: nil)
    XCTAssertEqual(notSocket.status, 66, notSocket.log)
    XCTAssertTrue(notSocket.log.contains("fd 0 is not a stream socket"), notSocket.log)
  }

  func testInCTCSRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-t", "0"], ["--status-interval", "often"], ["64"], ["64", "-1"], ["1", "2", "3"]] {
      let result = try ChildProcess.run("\(bin)/in.ctcs", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.ctcs [-d] [--db PATH]"), result.output)
    }
    let notSocket = try BuildProducts.runDaemon("in.ctcs", ["64", "32"], input: nil)
    XCTAssertEqual(notSocket.status, 66, notSocket.log)
    XCTAssertTrue(notSocket.log.contains("fd 0 is not a stream socket"), notSocket.log)
  }
}
