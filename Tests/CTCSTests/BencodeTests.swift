import XCTest

@testable import CTCS

final class BencodeTests: XCTestCase {
  func testTorrentNameIsReadFromTheInfoDictionary() throws {
    let torrent = "d8:announce20:http://tracker/annce4:infod6:lengthi42e4:name8:disk.img12:piece lengthi16384e6:pieces0:ee"
    XCTAssertEqual(try TorrentMetainfo.name(of: Array(torrent.utf8)), "disk.img")
  }

  func testDecodesNestedValues() throws {
    XCTAssertEqual(
      try Bencode.decode(Array("li-7el1:aee".utf8)), .list([.integer(-7), .list([.bytes([0x61])])]))
  }

  func testRefusesWhatIsNotATorrent() {
    for bad in ["", "hello world", "d4:infoi1ee", "d4:infod4:name0:ee", "d3:foo", "5:abc", "i1e junk", "i+1e",
                String(repeating: "l", count: 100) + String(repeating: "e", count: 100)] {
      XCTAssertThrowsError(try TorrentMetainfo.name(of: Array(bad.utf8)), bad)
    }
  }
}
