import XCTest

@testable import Store

final class TorrentTests: StoreTestCase {
  let ubuntu = Array("d4:infod4:name6:ubuntuee".utf8)
  let debian = Array("d4:infod4:name6:debianee".utf8)

  func testTorrentsQueueAtTheEndInOrder() throws {
    let store = try openStore()
    let first = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    let second = try store.addTorrent(name: "debian", metainfo: debian, now: 200)
    XCTAssertEqual(first.state, .queued)
    XCTAssertEqual(first.metainfo, ubuntu)
    XCTAssertEqual(first.added, 100)
    XCTAssertLessThan(first.position, second.position)
    XCTAssertEqual(try store.torrents(), [first, second])
    XCTAssertEqual(try store.torrent(id: second.id), second)
    XCTAssertNil(try store.torrent(id: 999))
  }

  func testAMoveKeepsTheOthersInOrderStopsAtEitherEndAndNumbersThePositions() throws {
    let store = try openStore()
    for name in ["a", "b", "c", "d"] {
      _ = try store.addTorrent(name: name, metainfo: Array("d4:infod4:name1:\(name)ee".utf8), now: 100)
    }
    try store.removeTorrent(id: 2)  // a gap: positions 1, 3, 4
    func order() throws -> String { try store.torrents().map(\.name).joined() }
    XCTAssertEqual(try store.moveTorrent(id: 4, to: .first), 1)
    XCTAssertEqual(try order(), "dac")
    XCTAssertEqual(try store.torrents().map(\.position), [1, 2, 3])
    XCTAssertEqual(try store.moveTorrent(id: 4, to: .up), 1, "the front one stays")
    XCTAssertEqual(try store.moveTorrent(id: 4, to: .down), 2)
    XCTAssertEqual(try order(), "adc")
    XCTAssertEqual(try store.moveTorrent(id: 3, to: .down), 3, "the last one stays")
    XCTAssertEqual(try store.moveTorrent(id: 1, to: .last), 3)
    XCTAssertEqual(try order(), "dca")
    XCTAssertEqual(try store.moveTorrent(id: 1, to: .at(2)), 2)
    XCTAssertEqual(try order(), "dac")
    XCTAssertEqual(try store.moveTorrent(id: 4, to: .at(99)), 3)
    XCTAssertEqual(try store.moveTorrent(id: 4, to: .at(0)), 1)
    XCTAssertEqual(try order(), "dac")
    // A torrent added after a move goes to the end.
    _ = try store.addTorrent(name: "e", metainfo: Array("d4:infod4:name1:eee".utf8), now: 200)
    XCTAssertEqual(try order(), "dace")
  }

  func testTheSameMetainfoTwiceIsADuplicate() throws {
    let store = try openStore()
    let first = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    assertThrows(.duplicate("torrent 'ubuntu' is already queued (id \(first.id))")) { () throws(StoreError) in
      try store.addTorrent(name: "copy", metainfo: ubuntu, now: 200)
    }
    assertThrows(.invalid("torrent 'empty' has empty metainfo")) { () throws(StoreError) in
      try store.addTorrent(name: "empty", metainfo: [], now: 200)
    }
  }

  func testStateStatusAndRatesAreStored() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    var status = TorrentStatus()
    status.peerID = "-CD0302-"
    status.lastMessage = "connecting"
    status.downloadRate = 5120
    status.piecesTotal = 400
    status.piecesHave = 12
    status.cacheUsedKB = 64
    status.lastSeen = 150
    try store.setTorrentState(id: torrent.id, .running)
    try store.updateTorrentStatus(id: torrent.id, status)
    try store.setTorrentRates(
      id: torrent.id, minDownload: 1024, maxDownload: nil, minUpload: nil, maxUpload: 2048)
    var expected = torrent
    expected.state = .running
    expected.status = status
    expected.minDownloadRate = 1024
    expected.maxUploadRate = 2048
    XCTAssertEqual(try store.torrent(id: torrent.id), expected)
    assertThrows(.invalid("maximum upload rate of torrent \(torrent.id) cannot be negative")) {
      () throws(StoreError) in
      try store.setTorrentRates(
        id: torrent.id, minDownload: nil, maxDownload: nil, minUpload: nil, maxUpload: -1)
    }
  }

  func testOperationsOnAMissingTorrentAreNotFound() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: ubuntu, now: 100)
    try store.removeTorrent(id: torrent.id)
    XCTAssertEqual(try store.torrents(), [])
    let missing = StoreError.notFound("no torrent \(torrent.id)")
    assertThrows(missing) { () throws(StoreError) in try store.removeTorrent(id: torrent.id) }
    assertThrows(missing) { () throws(StoreError) in try store.setTorrentState(id: torrent.id, .paused) }
    assertThrows(missing) { () throws(StoreError) in try store.moveTorrent(id: torrent.id, to: .first) }
    assertThrows(missing) { () throws(StoreError) in
      try store.updateTorrentStatus(id: torrent.id, TorrentStatus())
    }
  }
}
