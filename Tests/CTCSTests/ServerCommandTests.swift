import CTCS
import XCTest

final class ServerCommandTests: XCTestCase {
  func testLinesAsCtorrentReadsThem() {
    XCTAssertEqual(ServerCommand.protocolVersion(3).line, "PROTOCOL 0003\r\n")
    XCTAssertEqual(ServerCommand.setDownloadLimit(65536).line, "SETDLIMIT 65536\r\n")
    XCTAssertEqual(ServerCommand.setUploadLimit(-5).line, "SETULIMIT 0\r\n")
    XCTAssertEqual(ServerCommand.config(name: "pause", value: "1").line, "CTCONFIG pause 1\r\n")
    XCTAssertEqual(ServerCommand.error("bad\r\npassword").line, "ERROR bad  password\r\n")
    XCTAssertEqual([ServerCommand.quit, .update, .restart, .sendStatus, .sendDetail, .sendPeers, .sendConfig].map(\.line).joined(),
                   "CTQUIT\r\nCTUPDATE\r\nCTRESTART\r\nSENDSTATUS\r\nSENDDETAIL\r\nSENDPEERS\r\nSENDCONF\r\n")
  }

  func testRequestsFromTheQueueAndTheWebPage() {
    XCTAssertEqual(ServerCommand(request: "quit"), .quit)
    XCTAssertEqual(ServerCommand(request: "pause"), .config(name: "pause", value: "1"))
    XCTAssertEqual(ServerCommand(request: "resume"), .config(name: "pause", value: "0"))
    XCTAssertEqual(ServerCommand(request: "dlimit 20480"), .setDownloadLimit(20480))
    XCTAssertEqual(ServerCommand(request: "config seed_ratio 1.5"), .config(name: "seed_ratio", value: "1.5"))
    for refused in ["", "quit now", "dlimit -1", "dlimit lots", "config Pause 1", "config a b\nCTQUIT", "SETDLIMIT 1", "config x"] {
      XCTAssertNil(ServerCommand(request: refused), refused)
    }
  }
}
