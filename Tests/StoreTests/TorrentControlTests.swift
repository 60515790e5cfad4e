import XCTest

@testable import Store

/// What in.ctcs writes: adopting a hand-started torrent, the short CTBW and CTINFO updates, and
/// the file, peer and option blocks, each replaced whole and removed with their torrent.
final class TorrentControlTests: StoreTestCase {
  let ubuntu = Array("d4:infod4:name6:ubuntuee".utf8)

  func testAHandStartedTorrentIsAddedOnceFoundAgainByItsMetainfoAndAttachedRunningUnlessPaused() throws {
    let store = try openStore()
    let id = try store.adoptTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    XCTAssertEqual(try store.attachTorrentServer(id: id, server: ProcessMark(pid: 41, started: 5)), .running)
    XCTAssertEqual(try store.torrent(id: id)?.state, .running)
    XCTAssertEqual(try store.torrentServer(id: id), ProcessMark(pid: 41, started: 5))
    try store.setTorrentState(id: id, .paused)
    XCTAssertEqual(try store.adoptTorrent(name: "other name", metainfo: ubuntu, now: 200), id)
    // Its ctorrent connects again while paused: it stays paused, now served by 42.
    XCTAssertEqual(try store.attachTorrentServer(id: id, server: ProcessMark(pid: 42, started: 5)), .paused)
    XCTAssertEqual(try store.torrents().map(\.state), [.paused])
    XCTAssertEqual(try store.torrentID(metainfo: ubuntu), id)
    XCTAssertNil(try store.torrentID(metainfo: Array("x".utf8)))
    // The first server's late goodbye leaves the second's record alone.
    try store.detachTorrentServer(id: id, serverPID: 41)
    XCTAssertEqual(try store.torrentServer(id: id), ProcessMark(pid: 42, started: 5))
    try store.detachTorrentServer(id: id, serverPID: 42)
    XCTAssertNil(try store.torrentServer(id: id))
    assertThrows(.notFound("no torrent 99")) { () throws(StoreError) in _ = try store.attachTorrentServer(id: 99, server: ProcessMark(pid: 1, started: 5)) }
  }

  func testBandwidthAndMessagesUpdateOnlyTheirColumns() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    var status = TorrentStatus()
    status.piecesTotal = 12
    status.peerID = "-CD0302-A"
    try store.updateTorrentStatus(id: torrent.id, status)
    try store.recordTorrentBandwidth(
      id: torrent.id, downloadRate: 30000, uploadRate: 1000, downloadLimit: 65536, uploadLimit: 32768, now: 500)
    try store.recordTorrentMessage(id: torrent.id, "connect to tracker failed")
    let read = try XCTUnwrap(store.torrent(id: torrent.id)).status
    XCTAssertEqual(
      [read.downloadRate, read.uploadRate, read.downloadLimit, read.uploadLimit, read.lastSeen, read.piecesTotal],
      [30000, 1000, 65536, 32768, 500, 12])
    XCTAssertEqual(read.lastMessage, "connect to tracker failed")
    XCTAssertEqual(read.peerID, "-CD0302-A")
    assertThrows(.notFound("no torrent 99")) { () throws(StoreError) in try store.recordTorrentMessage(id: 99, "x") }
  }

  func testBlocksReplaceTheLastOneAndGoWithTheirTorrent() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    let file = TorrentFile(number: 1, priority: 0, pieces: 12, piecesHave: 3, piecesAvailable: 12, size: 3_000_000, name: "a b.iso")
    try store.replaceTorrentFiles(id: torrent.id, totalBytes: 3_000_000, pieceLength: 262_144, seedingSince: 0, files: [file])
    var second = file
    second.number = 2
    second.name = "c.txt"
    try store.replaceTorrentFiles(id: torrent.id, totalBytes: 3_000_000, pieceLength: 262_144, seedingSince: 0, files: [second, file])
    XCTAssertEqual(try store.torrentFiles(id: torrent.id), [file, second])
    let slow = TorrentPeer(peerID: "-CD0302-B", address: "127.0.0.2:1", flags: "UiUn", downloadRate: 10, uploadRate: 0, downloaded: 0, uploaded: 0, piecesHave: 1)
    var fast = slow
    fast.address = "127.0.0.3:1"
    fast.downloadRate = 500
    try store.replaceTorrentPeers(id: torrent.id, [slow, fast])
    XCTAssertEqual(try store.torrentPeers(id: torrent.id), [fast, slow])
    try store.replaceTorrentPeers(id: torrent.id, [])
    XCTAssertEqual(try store.torrentPeers(id: torrent.id), [])
    let option = TorrentOption(name: "pause", kind: "B", range: "0", value: "0", summary: "Pause", help: "Stop")
    try store.replaceTorrentOptions(id: torrent.id, [option])
    XCTAssertEqual(try store.torrentOptions(id: torrent.id), [option])
    assertThrows(.notFound("no torrent 99")) { () throws(StoreError) in
      try store.replaceTorrentFiles(id: 99, totalBytes: 0, pieceLength: 0, seedingSince: 0, files: [])
    }
    try store.removeTorrent(id: torrent.id)
    XCTAssertEqual(try store.torrentFiles(id: torrent.id), [])
    XCTAssertEqual(try store.torrentOptions(id: torrent.id), [])
  }

  func testTheDetailIsTheRowTheCTDETAILFiguresAndTheBlocksOrNilForAMissingTorrent() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    let empty = try XCTUnwrap(store.torrentDetail(id: torrent.id))
    XCTAssertEqual([empty.totalBytes, empty.pieceLength, empty.seedingSince], [0, 0, 0], "nothing reported yet")
    XCTAssertEqual(empty.torrent, torrent)
    let file = TorrentFile(number: 1, priority: 2, pieces: 12, piecesHave: 12, piecesAvailable: 12, size: 3_000_000, name: "a.iso")
    try store.replaceTorrentFiles(id: torrent.id, totalBytes: 3_000_000, pieceLength: 262_144, seedingSince: 1_700_000_000, files: [file])
    let peer = TorrentPeer(peerID: "-CD0302-B", address: "127.0.0.2:1", flags: "UiUn", downloadRate: 10, uploadRate: 20, downloaded: 30, uploaded: 40, piecesHave: 5)
    try store.replaceTorrentPeers(id: torrent.id, [peer])
    let option = TorrentOption(name: "seed_time", kind: "F", range: "0", value: "72", summary: "Seed time", help: "Hours")
    try store.replaceTorrentOptions(id: torrent.id, [option])
    let other = try store.addTorrent(name: "other", metainfo: Array("d4:infod4:name1:oee".utf8), now: 100)
    try store.replaceTorrentPeers(id: other.id, [peer, peer])

    let detail = try XCTUnwrap(store.torrentDetail(id: torrent.id))
    XCTAssertEqual([detail.totalBytes, detail.pieceLength, detail.seedingSince], [3_000_000, 262_144, 1_700_000_000])
    XCTAssertEqual(detail.files, [file])
    XCTAssertEqual(detail.peers, [peer], "only its own peers")
    XCTAssertEqual(detail.options, [option])
    XCTAssertNil(try store.torrentDetail(id: 99))
  }
}
