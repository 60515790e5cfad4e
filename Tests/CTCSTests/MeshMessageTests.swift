import CTCS
import XCTest

/// The in.ctcs mesh's text is the wire format between versions (a running in.ctcs and a newer
/// slugctl or web page): these pin it byte for byte.
final class MeshMessageTests: XCTestCase {
  let pinned: [(CTCSMeshMessage, String)] = [
    (.rebalance, "rebalance"),
    (.rising(torrent: 7, download: true, upload: false), "rising 7 1 0"),
    (.rising(torrent: 12, download: false, upload: true), "rising 12 0 1"),
    (.request(torrent: 3, .quit), "3 quit"),
    (.request(torrent: 3, .update), "3 update"),
    (.request(torrent: 3, .restart), "3 restart"),
    (.request(torrent: 3, .status), "3 status"),
    (.request(torrent: 3, .pause), "3 pause"),
    (.request(torrent: 3, .resume), "3 resume"),
    (.request(torrent: 3, .rebalance), "3 rebalance"),
    (.request(torrent: 3, .downloadLimit(20480)), "3 dlimit 20480"),
    (.request(torrent: 3, .uploadLimit(0)), "3 ulimit 0"),
    (.request(torrent: 3, .config(name: "seed_ratio", value: "1.5")), "3 config seed_ratio 1.5"),
  ]

  func testEachMessageIsTheTextOfEarlierVersionsAndReadsBack() {
    for (message, text) in pinned {
      XCTAssertEqual(message.bytes, Array(text.utf8), text)
      XCTAssertEqual(CTCSMeshMessage(Array(text.utf8)), message, text)
    }
  }

  func testForeignAndGarbledMessagesAreNotTrusted() {
    for text in ["", "hello", "rebalance ", "rising 5", "rising x 1 1", "5", "5 bogus", "x quit", "5 config Pause 1", "users-changed"] {
      XCTAssertNil(CTCSMeshMessage(Array(text.utf8)), text)
    }
    XCTAssertEqual(CTCSMeshMessage(Array("rising 5 2 x".utf8)), .rising(torrent: 5, download: false, upload: false))
  }

  func testAnUnknownRequestStillNamesItsTorrent() {
    let addressee = CTCSMeshMessage.addressee(of: Array("5 frobnicate now".utf8))
    XCTAssertEqual(addressee?.torrent, 5)
    XCTAssertEqual(addressee?.words, "frobnicate now")
    XCTAssertNil(CTCSMeshMessage.addressee(of: Array("rising 5 1 1".utf8)))
  }

  func testRequestsFromTheQueueAndTheWebPage() {
    XCTAssertEqual(TorrentRequest(words: "quit")?.command, .quit)
    XCTAssertEqual(TorrentRequest(words: "pause")?.command, .config(name: "pause", value: "1"))
    XCTAssertEqual(TorrentRequest(words: "resume")?.command, .config(name: "pause", value: "0"))
    XCTAssertEqual(TorrentRequest(words: "status")?.command, .sendStatus)
    XCTAssertEqual(TorrentRequest(words: "dlimit 20480")?.command, .setDownloadLimit(20480))
    XCTAssertEqual(TorrentRequest(words: "config seed_ratio 1.5")?.command, .config(name: "seed_ratio", value: "1.5"))
    XCTAssertEqual(TorrentRequest(words: "rebalance"), .rebalance)
    XCTAssertNil(TorrentRequest.rebalance.command, "in.ctcs's own business")
    for refused in ["", "quit now", "dlimit -1", "dlimit lots", "config Pause 1", "config a b\nCTQUIT", "SETDLIMIT 1", "config x"] {
      XCTAssertNil(TorrentRequest(words: refused), refused)
    }
  }
}
