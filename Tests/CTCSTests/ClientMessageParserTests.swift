import CTCS
import Store
import TestSupport
import XCTest

final class ClientMessageParserTests: XCTestCase {
  func parse(_ line: String, protocolVersion: Int = 3) throws -> ClientMessage? {
    try ClientMessageParser.parse(line, protocolVersion: protocolVersion)
  }

  func testTheHandshakeLinesOfDnh332() throws {
    XCTAssertEqual(try parse("PROTOCOL 0003"), .protocolVersion(3))
    XCTAssertEqual(try parse("AUTH pass word"), .auth(password: "pass word"))
    XCTAssertEqual(
      try parse("CTORRENT -CD0302-0x9F1995D00E3BA5EF9ABEE4F8 1700000000 1700000042 /srv/torrents/Big Buck Bunny.torrent"),
      .torrent(
        peerID: "-CD0302-0x9F1995D00E3BA5EF9ABEE4F8", started: 1_700_000_000, now: 1_700_000_042,
        file: "/srv/torrents/Big Buck Bunny.torrent"))
  }

  func testStatusInTheProtocol3AndProtocol1Layouts() throws {
    var expected = ReportedStatus()
    (expected.seeders, expected.trackerSeeders, expected.leechers, expected.trackerLeechers) = (1, 5, 2, 9)
    (expected.piecesHave, expected.piecesTotal, expected.piecesAvailable) = (10, 100, 100)
    (expected.downloadRate, expected.uploadRate, expected.downloaded, expected.uploaded) = (30000, 1000, 1_234_567, 2345)
    (expected.downloadLimit, expected.uploadLimit, expected.cacheUsedKB) = (65536, 32768, 512)
    XCTAssertEqual(try parse("CTSTATUS 1:5/2:9/0 10/100/100 30000,1000 1234567,2345 65536,32768 512"), .status(expected))

    var old = ReportedStatus()
    (old.seeders, old.leechers, old.piecesHave, old.piecesTotal, old.piecesAvailable) = (3, 4, 100, 100, 100)
    (old.downloadRate, old.uploadRate, old.downloaded, old.uploaded, old.downloadLimit, old.uploadLimit) = (0, 5, 6, 7, 8, 9)
    XCTAssertEqual(try parse("CTSTATUS 3/4 100/100/100 0,5 6,7 8,9", protocolVersion: 1), .status(old))
    XCTAssertTrue(old.isComplete)
    XCTAssertFalse(expected.isComplete)
  }

  func testBandwidthAndInfo() throws {
    XCTAssertEqual(
      try parse("CTBW 30000,1000 65536,32768"),
      .bandwidth(downloadRate: 30000, uploadRate: 1000, downloadLimit: 65536, uploadLimit: 32768))
    XCTAssertEqual(try parse("CTINFO 2 warn, connect to tracker failed"), .info(severity: 2, text: "warn, connect to tracker failed"))
    XCTAssertEqual(try parse("CTINFO tracker said: 42 peers"), .info(severity: nil, text: "tracker said: 42 peers"))
  }

  func testDetailAndFileBlocksInEachProtocolLayout() throws {
    XCTAssertEqual(try parse("CTDETAIL 1048576 262144 1700000100 0"), .detail(totalBytes: 1_048_576, pieceLength: 262_144, now: 1_700_000_100, seedingSince: 0))
    XCTAssertEqual(try parse("CTFILESTART"), .filesStart)
    XCTAssertEqual(
      try parse("CTFILE 1 1 1 4 2 3 1048576 My Album/01 - Song.mp3"),
      .file(TorrentFile(number: 1, priority: 1, pieces: 4, piecesHave: 2, piecesAvailable: 3, size: 1_048_576, name: "My Album/01 - Song.mp3")))
    XCTAssertEqual(
      try parse("CTFILE 2 4 2 3 99 b c", protocolVersion: 2),
      .file(TorrentFile(number: 2, priority: 0, pieces: 4, piecesHave: 2, piecesAvailable: 3, size: 99, name: "b c")))
    XCTAssertEqual(
      try parse("CTFILE 2 4 2 99 b c", protocolVersion: 1),
      .file(TorrentFile(number: 2, priority: 0, pieces: 4, piecesHave: 2, piecesAvailable: 0, size: 99, name: "b c")))
    XCTAssertEqual(try parse("CTFILESDONE"), .filesEnd)
    XCTAssertEqual(try parse("CTFDONE"), .filesEnd)
  }

  func testPeerAndConfigBlocks() throws {
    XCTAssertEqual(try parse("CTPEERSTART"), .peersStart)
    XCTAssertEqual(
      try parse("CTPEER -TR2940-0xABCDEF 127.0.0.3 UiCn 1500 20 300000 4000 57"),
      .peer(
        TorrentPeer(
          peerID: "-TR2940-0xABCDEF", address: "127.0.0.3", flags: "UiCn", downloadRate: 1500, uploadRate: 20,
          downloaded: 300_000, uploaded: 4000, piecesHave: 57)))
    XCTAssertEqual(try parse("CTPEERSDONE"), .peersEnd)
    XCTAssertEqual(try parse("CTCONFIGSTART"), .configStart)
    XCTAssertEqual(
      try parse("CTCONFIG seed_time F 0 4:72.5 9:Seed time 23:Hours to seed: 0 = none"),
      .config(
        TorrentOption(name: "seed_time", kind: "F", range: "0", value: "72.5", summary: "Seed time", help: "Hours to seed: 0 = none")))
    XCTAssertEqual(
      try parse("CTCONFIG file_list S 256 0: 9:File list 0:"),
      .config(TorrentOption(name: "file_list", kind: "S", range: "256", value: "", summary: "File list", help: "")))
    XCTAssertEqual(try parse("CTCONFIGDONE"), .configEnd)
  }

  func testUnknownTypesAreIgnoredAndBadFieldsNamed() {
    XCTAssertNil(try parse("CTFUTURE 1 2 3"))
    XCTAssertNil(try parse("   "))
    for (line, reason) in [
      ("CTSTATUS 1:5/2:9/0 10/100 30000,1000 1,2 3,4 5", "CTSTATUS fields do not parse"),
      ("CTSTATUS 1:5/2:9/0 10/100/100 -3,1000 1,2 3,4 5", "CTSTATUS fields do not parse"),
      ("CTBW 30000,1000", "CTBW needs rates and limits (d,u d,u)"),
      ("CTBW 1,2 3,4 5", "CTBW needs rates and limits (d,u d,u)"),
      ("CTORRENT id 1 2", "CTORRENT names no torrent file"),
      ("PROTOCOL three", "PROTOCOL needs a version number"),
      ("CTCONFIG pause B 0 99:1 1:x 1:y", "CTCONFIG option fields do not parse"),
      ("CTCONFIG pause X 0 1:1 1:x 1:y", "CTCONFIG option fields do not parse"),
      ("CTPEER id 1.2.3.4 UiC 1 2 3 4 5", "CTPEER fields do not parse"),
      ("CTFILE 1 2 3 4 5 6 7", "CTFILE fields do not parse"),
      ("CTSTATUS 99999999999999999999:1/2:3/0 1/2/3 1,2 3,4 5,6 7", "CTSTATUS fields do not parse"),
    ] {
      XCTAssertThrowsError(try parse(line), line) { error in
        XCTAssertEqual((error as? CTCSParseError)?.reason, reason, line)
      }
    }
    XCTAssertEqual(CTCSParseError(line: "CTBW \u{1b}[31m", reason: "r").description, "r: CTBW ?[31m")
  }
}

final class CTCSLineReaderTests: XCTestCase {
  struct Reader: StreamDecoder {
    var reader = CTCSLineReader()
    mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [String] { try reader.feed(bytes) }
  }

  func testLinesEndAtCROrLFAndEmptyLinesVanishHoweverTheBytesArrive() {
    let failures = verifyDecoder(
      { Reader() },
      inputs: [
        (Array("PROTOCOL 0003\n".utf8), ["PROTOCOL 0003"]),
        (Array("CTBW 1,2 3,4\r\n\r\n".utf8), ["CTBW 1,2 3,4"]),
        (Array("CTINFO 3 é\rCTSTATUS".utf8), ["CTINFO 3 é"]),
        (Array(" x\n".utf8), ["CTSTATUS x"]),
      ])
    XCTAssertEqual(failures, [])
  }

  func testALineLongerThanAnyCtorrentSendsIsRefused() throws {
    var reader = CTCSLineReader()
    let long = [UInt8](repeating: 0x41, count: CTCSLineReader.maximumLineBytes)
    XCTAssertEqual(try reader.feed(long[...]), [])
    XCTAssertEqual(try reader.feed([0x0A]), [String(repeating: "A", count: CTCSLineReader.maximumLineBytes)])
    XCTAssertThrowsError(try reader.feed((long + [0x41])[...]))
  }
}
