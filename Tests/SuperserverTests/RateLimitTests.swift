import Superserver
import XCTest

/// The generated lines carry no rate cap a busy page reaches, and their concurrency limits sit
/// above the daemons' own caps (128 in all, 64 from one address at most), so that a refusal
/// is the daemon's, answered in its protocol and logged, not the super-server's silent reset.
final class RateLimitTests: XCTestCase {
  let everything = GenerateOptions(services: Catalog.services.map(\.name))

  func testInetdNowaitLinesAllowFarMoreSpawnsAMinuteThanAMachineMakes() throws {
    let lines = try generate(.inetd, everything)[0].contents.split(separator: "\n").filter { $0.contains(" nowait") }
    XCTAssertEqual(lines.count, 9, "www, https, jabberd, xmpps, smtp, submission, submissions, ctcs, dns over TCP")
    for line in lines {
      let style = line.split(separator: " ")[3]
      XCTAssertEqual(style, "nowait.1000000", String(line))
    }
  }

  func testXinetdStreamStanzasSetAHighRateAndBackstopLimits() throws {
    for file in try generate(.xinetd, everything) {
      for stanza in file.contents.components(separatedBy: "\n\n") where stanza.contains("\twait = no\n") {
        XCTAssertTrue(stanza.contains("\tcps = 100000 1\n"), stanza)
        XCTAssertTrue(stanza.contains("\tinstances = 512\n\tper_source = 128\n"), stanza)
      }
    }
  }

  func testSystemdAcceptingSocketsRaiseMaxConnectionsAndDropTheTriggerLimit() throws {
    let sockets = try generate(.systemd, everything).filter { $0.name.hasSuffix(".socket") }
    let accepting = sockets.filter { $0.contents.contains("Accept=yes\n") }
    XCTAssertEqual(accepting.count, 9)
    for socket in accepting {
      XCTAssertTrue(
        socket.contents.contains("MaxConnections=512\nMaxConnectionsPerSource=128\nTriggerLimitIntervalSec=0\n"),
        socket.contents)
    }
    // A socket handed whole to one service keeps systemd's trigger limit: a service that
    // exits at once in a loop (a broken store under UDP `wait`) is stopped by it.
    for socket in sockets where !socket.contents.contains("Accept=yes\n") {
      XCTAssertFalse(socket.contents.contains("TriggerLimit"), socket.contents)
    }
  }
}
