import XCTest

@testable import Store

final class SettingsTests: StoreTestCase {
  func testSettingsAreSetReplacedAndRemoved() throws {
    let store = try openStore()
    XCTAssertNil(try store.setting(SettingKey.torrentMaxActive))
    try store.setSetting(SettingKey.torrentMaxActive, "3")
    try store.setSetting(SettingKey.torrentDownloadDirectory, "/srv/downloads")
    XCTAssertEqual(try store.integerSetting(SettingKey.torrentMaxActive), 3)
    try store.setSetting(SettingKey.torrentMaxActive, "4")
    XCTAssertEqual(try store.setting(SettingKey.torrentMaxActive), "4")
    XCTAssertEqual(
      try store.settings().map { "\($0.key)=\($0.value)" },
      ["torrent_download_dir=/srv/downloads", "torrent_max_active=4"])
    try store.setSetting(SettingKey.torrentMaxActive, nil)
    XCTAssertNil(try store.setting(SettingKey.torrentMaxActive))
  }

  func testBadNamesAndNonNumbersAreRefused() throws {
    let store = try openStore()
    assertThrows(.invalid("invalid setting name 'a b': empty or has spaces or control characters")) {
      () throws(StoreError) in try store.setSetting("a b", "1")
    }
    try store.setSetting(SettingKey.torrentMaxActive, "many")
    assertThrows(.io("\(store.path): setting torrent_max_active 'many' is not a number")) { () throws(StoreError) in
      _ = try store.integerSetting(SettingKey.torrentMaxActive)
    }
  }

  func testTorrentProcessesAreRecordedWithTheirStartTimesAndCleared() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: Array("d4:infod4:name1:uee".utf8), now: 1)
    XCTAssertNil(try store.torrentProcess(id: torrent.id))
    try store.setTorrentProcess(id: torrent.id, ProcessMark(pid: 1234, started: 98765))
    XCTAssertEqual(try store.torrentProcess(id: torrent.id), ProcessMark(pid: 1234, started: 98765))
    try store.setTorrentProcess(id: torrent.id, nil)
    XCTAssertNil(try store.torrentProcess(id: torrent.id))
    assertThrows(.notFound("no torrent 999")) { () throws(StoreError) in
      try store.setTorrentProcess(id: 999, ProcessMark(pid: 1, started: 1))
    }
  }
}

final class QueueClaimTests: StoreTestCase {
  func metainfo(_ name: String) -> [UInt8] { Array("d4:infod4:name\(name.utf8.count):\(name)ee".utf8) }

  /// A process the tests record: every one started at tick 7.
  func process(_ pid: Int32) -> ProcessMark { ProcessMark(pid: pid, started: 7) }

  /// The process table with these pids alive, each started at tick 7.
  func alive(_ pids: Int32...) -> (Int32) -> Int64? { { pids.contains($0) ? 7 : nil } }

  func testQueuedTorrentsAreClaimedInOrderUpToTheLimit() throws {
    let store = try openStore()
    let first = try store.addTorrent(name: "a", metainfo: metainfo("a"), now: 1)
    let second = try store.addTorrent(name: "b", metainfo: metainfo("b"), now: 2)
    let third = try store.addTorrent(name: "c", metainfo: metainfo("c"), now: 3)
    let claim = try store.claimQueuedTorrents(maxActive: 2, startTime: { _ in 7 })
    XCTAssertEqual(claim.toStart.map(\.id), [first.id, second.id])
    XCTAssertEqual(claim.ended.count, 0)
    XCTAssertEqual(try store.torrents().map(\.state), [.running, .running, .queued])
    // Both slots are taken: a second runner starts nothing.
    XCTAssertEqual(try store.claimQueuedTorrents(maxActive: 2, startTime: { _ in 7 }).toStart.count, 0)
    XCTAssertEqual(try store.torrent(id: third.id)?.state, .queued)
  }

  func testADeadCtorrentEndsItsTorrentAndFreesItsSlot() throws {
    let store = try openStore()
    let dead = try store.addTorrent(name: "a", metainfo: metainfo("a"), now: 1)
    let complete = try store.addTorrent(name: "b", metainfo: metainfo("b"), now: 2)
    let byHand = try store.addTorrent(name: "c", metainfo: metainfo("c"), now: 3)
    let waiting = try store.addTorrent(name: "d", metainfo: metainfo("d"), now: 4)
    try store.setTorrentState(id: dead.id, .running)
    try store.setTorrentProcess(id: dead.id, process(100))
    try store.setTorrentState(id: complete.id, .seeding)
    try store.setTorrentProcess(id: complete.id, process(200))
    var status = TorrentStatus()
    status.piecesTotal = 10
    status.piecesHave = 10
    try store.updateTorrentStatus(id: complete.id, status)
    try store.setTorrentState(id: byHand.id, .running)
    let claim = try store.claimQueuedTorrents(maxActive: 2, startTime: { $0 != 100 && $0 != 200 ? 7 : nil })
    XCTAssertEqual(claim.ended.map { "\($0.id) \($0.state)" }, ["\(dead.id) failed", "\(complete.id) done"])
    XCTAssertEqual(claim.toStart.map(\.id), [waiting.id])
    XCTAssertNil(try store.torrentProcess(id: dead.id))
    XCTAssertEqual(try store.torrent(id: byHand.id)?.state, .running)
  }

  func testAPidNowHeldByAnotherProcessIsNotTakenForTheRecordedOne() throws {
    let store = try openStore()
    let reused = try store.addTorrent(name: "a", metainfo: metainfo("a"), now: 1)
    let old = try store.addTorrent(name: "b", metainfo: metainfo("b"), now: 2)
    let paused = try store.addTorrent(name: "c", metainfo: metainfo("c"), now: 3)
    try store.setTorrentState(id: reused.id, .running)
    try store.setTorrentProcess(id: reused.id, ProcessMark(pid: 100, started: 7))
    // Recorded before start times were (schema 6): the pid alone decides.
    try store.setTorrentState(id: old.id, .running)
    try store.setTorrentProcess(id: old.id, ProcessMark(pid: 200, started: nil))
    try store.setTorrentState(id: paused.id, .paused)
    _ = try store.attachTorrentServer(id: paused.id, server: ProcessMark(pid: 300, started: 7))
    // Every pid is alive, but 100 and 300 belong to processes started at tick 9.
    let table: (Int32) -> Int64? = { $0 == 200 ? 7 : 9 }
    XCTAssertEqual(try store.resumeTorrent(id: paused.id, startTime: table), .queued, "its in.ctcs is gone")
    let claim = try store.claimQueuedTorrents(maxActive: 3, startTime: table)
    XCTAssertEqual(claim.ended.map { "\($0.id) \($0.state)" }, ["\(reused.id) failed"])
    XCTAssertEqual(claim.toStart.map(\.id), [paused.id])
    XCTAssertEqual(try store.torrents().map(\.state), [.failed, .running, .running])
    XCTAssertEqual(try store.torrentProcess(id: old.id), ProcessMark(pid: 200, started: nil))
  }

  func testAResumedTorrentWhoseCtorrentLivesIsNotStartedTwice() throws {
    let store = try openStore()
    let resumed = try store.addTorrent(name: "a", metainfo: metainfo("a"), now: 1)
    try store.setTorrentProcess(id: resumed.id, process(300))
    let claim = try store.claimQueuedTorrents(maxActive: 1, startTime: alive(300))
    XCTAssertEqual(claim.toStart.count, 0)
    XCTAssertEqual(try store.torrent(id: resumed.id)?.state, .running)
    XCTAssertEqual(try store.torrentProcess(id: resumed.id), process(300))
  }

  func testAResumedTorrentRunsAgainWhenItsClientLivesElseIsQueuedAndActiveOnesAreLeftAlone() throws {
    let store = try openStore()
    let byHand = try store.addTorrent(name: "by hand", metainfo: metainfo("h"), now: 1)
    let fromQueue = try store.addTorrent(name: "queue", metainfo: metainfo("q"), now: 1)
    let gone = try store.addTorrent(name: "gone", metainfo: metainfo("g"), now: 1)
    let seeding = try store.addTorrent(name: "seeding", metainfo: metainfo("s"), now: 1)
    let failed = try store.addTorrent(name: "failed", metainfo: metainfo("f"), now: 1)
    for torrent in [byHand, fromQueue, gone] { try store.setTorrentState(id: torrent.id, .paused) }
    try store.setTorrentState(id: seeding.id, .seeding)
    try store.setTorrentState(id: failed.id, .failed)
    _ = try store.attachTorrentServer(id: byHand.id, server: process(500))
    try store.setTorrentProcess(id: fromQueue.id, process(600))
    _ = try store.attachTorrentServer(id: gone.id, server: process(700))
    let running = alive(500, 600)
    XCTAssertEqual(try store.resumeTorrent(id: byHand.id, startTime: running), .running)
    XCTAssertEqual(try store.resumeTorrent(id: fromQueue.id, startTime: running), .running)
    XCTAssertEqual(try store.resumeTorrent(id: gone.id, startTime: running), .queued)
    XCTAssertEqual(try store.resumeTorrent(id: seeding.id, startTime: running), .seeding)
    XCTAssertEqual(try store.resumeTorrent(id: failed.id, startTime: running), .queued, "tried again")
    XCTAssertEqual(try store.torrents().map(\.state), [.running, .running, .queued, .seeding, .queued])
    assertThrows(.notFound("no torrent 99")) { () throws(StoreError) in try store.resumeTorrent(id: 99, startTime: running) }
  }

  func testAQueuedTorrentWhoseConnectedServerLivesIsNotStartedAgain() throws {
    let store = try openStore()
    let connected = try store.addTorrent(name: "a", metainfo: metainfo("a"), now: 1)
    let waiting = try store.addTorrent(name: "b", metainfo: metainfo("b"), now: 1)
    _ = try store.attachTorrentServer(id: connected.id, server: process(800))
    try store.setTorrentState(id: connected.id, .queued)
    let claim = try store.claimQueuedTorrents(maxActive: 1, startTime: alive(800))
    XCTAssertEqual(claim.toStart.map(\.id), [])
    XCTAssertEqual(try store.torrents().map(\.state), [.running, .queued])
    let next = try store.claimQueuedTorrents(maxActive: 2, startTime: alive(800))
    XCTAssertEqual(next.toStart.map(\.id), [waiting.id])
  }
}
