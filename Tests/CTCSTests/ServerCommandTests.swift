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
}
