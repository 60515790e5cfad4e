import CTCS
import Store
import TestSupport
import XCTest

final class SessionTests: XCTestCase {
  func testTheServerSpeaksFirstWithProtocol3() {
    var driver = SessionDriver()
    XCTAssertEqual(driver.session.start().map(describe), ["PROTOCOL 0003\r\n"])
  }

  func testAConversationGivesTheSameActionsHoweverTheInputIsCut() {
    let backend = QueueBackend(queue: [queued(7, .running)])
    let inputs: [(bytes: [UInt8], messages: [String])] = [
      (Array(handshake.utf8), handshakeActions),
      (Array("CTINFO 3 hello\r\n".utf8), ["record message 7: hello"]),
      (Array(statusLine.utf8),
       ["record status 7 same state 10/100 pieces 30000,1000 B/s", "SETDLIMIT 0\r\n", "SETULIMIT 0\r\n", "mesh rebalance"]),
      (Array(
        ("CTDETAIL 1048576 262144 1700000100 0\nCTFILESTART\nCTFILE 1 1 1 4 2 3 1048576 a b.mp3\nCTFILESDONE\n"
          + "CTPEERSTART\nCTPEER -TR2940-0xAB 127.0.0.3 UiCn 1 2 3 4 5\nCTPEERSDONE\n"
          + "CTCONFIGSTART\r\nCTCONFIG seed_time F 0 4:72.5 9:Seed time 0:\r\nCTCONFIGDONE\r\n").utf8),
       ["record files 7: 1048576 bytes in 262144, [\"a b.mp3\"]", "record peers 7: [\"127.0.0.3\"]",
        "record options 7: [\"seed_time=72.5\"]"]),
    ]
    XCTAssertEqual(verifyDecoder({ SessionDriver(password: "s3cret", backend: backend) }, inputs: inputs), [])
  }

  func testCTORRENTAsksTheStoreWithThePeerIDAndTheTime() {
    var driver = SessionDriver(password: "s3cret")
    _ = driver.feed(handshake)
    let asked = driver.session.backend.identified
    XCTAssertEqual(asked.map { $0.file }, ["/srv/torrents/7.torrent"])
    XCTAssertEqual(asked.first?.status.peerID, "-CD0302-ABC")
    XCTAssertEqual(asked.first?.status.lastSeen, 1_700_000_000)
    XCTAssertEqual(driver.session.torrentID, 7)
    XCTAssertEqual(driver.feed("CTORRENT -CD0302-XYZ 1 2 /srv/torrents/8.torrent\n"), [], "one torrent per connection")
    XCTAssertEqual(driver.session.backend.identified.count, 1)
  }

  func testAWrongOrMissingPasswordGetsAnErrorAndEndsTheConversation() {
    var wrong = SessionDriver(password: "s3cret")
    XCTAssertEqual(
      wrong.feed("PROTOCOL 0003\nAUTH guess\nCTORRENT -CD0302-ABC 1 2 /srv/torrents/7.torrent\n"),
      ["log notice: 127.0.0.1:5000: authentication failed (wrong password)", "ERROR authentication failed\r\n", "close normal"])
    XCTAssertTrue(wrong.session.isClosed)
    XCTAssertEqual(wrong.feed("CTINFO 3 more\n"), [])
    XCTAssertTrue(wrong.session.backend.identified.isEmpty)

    var silent = SessionDriver(password: "s3cret")
    XCTAssertEqual(
      silent.feed("CTORRENT -CD0302-ABC 1 2 /srv/torrents/7.torrent\n"),
      ["log notice: 127.0.0.1:5000: authentication failed (no password given)", "ERROR authentication failed\r\n", "close normal"])

    var open = SessionDriver()
    XCTAssertEqual(open.feed(handshake), handshakeActions, "AUTH is ignored when no password is asked for")
  }

  func testAnOverlongLineEndsTheConversationAsMalformedInput() {
    var driver = SessionDriver()
    XCTAssertEqual(
      driver.feed(String(repeating: "A", count: 9000)),
      ["log error: 127.0.0.1:5000: line longer than 8192 bytes; closing", "ERROR line too long\r\n", "close malformedInput"])
    XCTAssertEqual(driver.feed("PROTOCOL 0003\n"), [])
  }

  func testLinesThatDoNotParseAreLoggedAndSkipped() {
    var driver = SessionDriver(password: "s3cret")
    XCTAssertEqual(
      driver.feed("CTSTATUS x\nPROTOCOL abc\n\u{0}\u{7F}\r\nWHATEVER 1 2\n"),
      ["log warning: 127.0.0.1:5000: CTSTATUS fields do not parse: CTSTATUS x",
       "log warning: 127.0.0.1:5000: PROTOCOL needs a version number: PROTOCOL abc", "log debug: 127.0.0.1:5000: ignored ??",
       "log debug: 127.0.0.1:5000: ignored WHATEVER 1 2"])
    XCTAssertEqual(driver.feed(handshake), handshakeActions)
  }

  func testAStoreThatCannotRecordTheTorrentEndsTheConversationWithItsExitStatus() {
    var driver = SessionDriver(backend: QueueBackend(identification: .failed(exitCode: 73)))
    XCTAssertEqual(
      driver.feed(handshake), ["ERROR server store unavailable\r\n", "close storeFailed(exitCode: 73)"])
    XCTAssertNil(driver.session.torrentID)
    XCTAssertEqual(driver.session.finish().map(describe), [])
  }

  func testAPausedTorrentsClientIsToldToStayPausedAndGetsNoLimits() {
    var driver = SessionDriver(
      backend: QueueBackend(queue: [queued(7, .paused)], identification: .torrent(id: 7, paused: true, thresholds: .standard)))
    XCTAssertEqual(
      driver.feed(handshake),
      ["log info: 127.0.0.1:5000: torrent 7 (/srv/torrents/7.torrent)", "join mesh", "CTCONFIG pause 1\r\n", "SENDDETAIL\r\n",
       "SENDPEERS\r\n", "SENDCONF\r\n"])
    XCTAssertEqual(driver.feed(statusLine), ["record status 7 same state 10/100 pieces 30000,1000 B/s"])
    XCTAssertEqual(driver.mesh(.rebalance), [])
    XCTAssertEqual(driver.session.finish().map(describe), ["release 7 paused", "mesh rebalance", "run the queue"])
  }

  func testAReportSharesTheDownloadLineAmongTheFreshRunningTorrents() {
    var backend = QueueBackend(
      queue: [queued(7, .running), queued(8, .running), queued(9, .running, lastSeen: 1_700_000_000 - 121), queued(10, .queued)])
    backend.line = CTCSLineLimits(download: 100 * 1024, upload: 0)
    var driver = SessionDriver(backend: backend)
    _ = driver.feed(handshake)
    let limits = BandwidthPlan.allocate(
      total: 100 * 1024, among: [BandwidthPlan.Demand(rate: 30000, limit: 65536), BandwidthPlan.Demand(rate: 0, limit: 0)])
    XCTAssertEqual(
      driver.feed(statusLine),
      ["record status 7 same state 10/100 pieces 30000,1000 B/s", "SETDLIMIT \(limits[0])\r\n", "SETULIMIT 0\r\n", "mesh rebalance"])
    XCTAssertEqual(driver.mesh(.rebalance), [], "an unchanged plan sends nothing, and another's rebalance is not passed on")

    // Complete: seeding, and a seeder's download limit is left alone.
    XCTAssertEqual(
      driver.feed("CTSTATUS 1:5/2:9/0 100/100/100 0,1000 1234567,2345 0,32768 512\n"),
      ["record status 7 seeding 100/100 pieces 0,1000 B/s", "mesh rebalance"])
    XCTAssertEqual(driver.session.finish().map(describe), ["release 7 done", "mesh rebalance", "run the queue"])
  }

  func testRatesAreWrittenAtMostOnceASecond() {
    var driver = SessionDriver(backend: QueueBackend(queue: [queued(7, .running)]))
    _ = driver.feed(handshake)
    XCTAssertEqual(
      driver.feed("CTBW 30000,1000 65536,32768\n"),
      ["record rates 7 30000,1000 B/s limits 65536,32768", "SETDLIMIT 0\r\n", "SETULIMIT 0\r\n", "mesh rebalance"])
    driver.now = .at(0.5)
    XCTAssertEqual(driver.feed("CTBW 31000,1000 65536,32768\n"), [])
    XCTAssertEqual(driver.session.nextWake, CTCSTime.at(1).monotonic, "the pending figures' write is due")
    XCTAssertEqual(driver.tick(at: 1), ["record rates 7 31000,1000 B/s limits 65536,32768"])
    XCTAssertEqual(driver.session.nextWake, CTCSTime.at(10).monotonic, "the next status request")
  }

  func testTheStatusIsAskedForEveryIntervalAndTheFilesAndPeersEverySixthTime() {
    var idle = SessionDriver()
    XCTAssertEqual(idle.tick(at: 10), [], "nothing is asked before the client names its torrent")

    var driver = SessionDriver()
    _ = driver.feed(handshake)
    XCTAssertEqual(driver.tick(at: 9.9), [])
    for second in stride(from: 10.0, through: 50, by: 10) {
      XCTAssertEqual(driver.tick(at: second), ["SENDSTATUS\r\n"], "at \(second) s")
    }
    XCTAssertEqual(driver.tick(at: 60), ["SENDSTATUS\r\n", "SENDDETAIL\r\n", "SENDPEERS\r\n"])
  }

  func testSilenceForTheIdleTimeEndsTheConversationAndALineStartsItOver() {
    var driver = SessionDriver(statusSeconds: 3600)
    _ = driver.feed(handshake)
    driver.now = .at(200)
    XCTAssertEqual(driver.feed("CTINFO 3 still here\n"), ["record message 7: still here"])
    XCTAssertEqual(driver.tick(at: 499.9), [])
    XCTAssertEqual(driver.tick(at: 500), ["log notice: 127.0.0.1:5000: nothing from ctorrent for 300 s; closing", "close normal"])
    XCTAssertEqual(driver.session.finish().map(describe), ["release 7 to the queue runner", "mesh rebalance", "run the queue"])
  }

  func testRequestsFromTheMeshReachOnlyTheirTorrentsClient() {
    var driver = SessionDriver(backend: QueueBackend(queue: [queued(7, .running)]))
    _ = driver.feed(handshake)
    XCTAssertEqual(driver.mesh(.rebalance), ["SETDLIMIT 0\r\n", "SETULIMIT 0\r\n"], "another's rebalance is not announced again")
    XCTAssertEqual(driver.mesh(.request(torrent: 8, .update)), [])
    XCTAssertEqual(driver.mesh(.request(torrent: 7, .update)), ["log info: torrent 7: update", "CTUPDATE\r\n"])
    XCTAssertEqual(
      driver.session.meshMessage(Array("7 bogus".utf8), now: driver.now).map(describe), ["log warning: torrent 7: unknown command bogus"])
    XCTAssertEqual(driver.session.meshMessage(Array("8 bogus".utf8), now: driver.now).map(describe), [])
    XCTAssertEqual(
      driver.mesh(.request(torrent: 7, .pause)),
      ["log info: torrent 7: pause", "record state 7 paused", "CTCONFIG pause 1\r\n", "SENDCONF\r\n"])
    XCTAssertEqual(driver.mesh(.rebalance), [], "a paused torrent's limits are left alone")
    XCTAssertEqual(
      driver.mesh(.request(torrent: 7, .resume)),
      ["log info: torrent 7: resume", "record state 7 running", "CTCONFIG pause 0\r\n", "SENDCONF\r\n", "SETDLIMIT 0\r\n",
       "SETULIMIT 0\r\n", "mesh rebalance"])
    XCTAssertEqual(driver.mesh(.request(torrent: 7, .rebalance)), [], "alone on the line and unchanged")
    XCTAssertEqual(driver.mesh(.request(torrent: 7, .downloadLimit(2048))), ["log info: torrent 7: dlimit 2048", "SETDLIMIT 2048\r\n"])
    XCTAssertEqual(
      driver.mesh(.request(torrent: 7, .config(name: "seed_ratio", value: "1.5"))),
      ["log info: torrent 7: config seed_ratio 1.5", "CTCONFIG seed_ratio 1.5\r\n", "SENDCONF\r\n"])
    XCTAssertEqual(driver.mesh(.request(torrent: 7, .quit)), ["log info: torrent 7: quit", "CTQUIT\r\n"])
    XCTAssertEqual(driver.session.finish().map(describe), ["release 7 done", "mesh rebalance", "run the queue"])
    XCTAssertEqual(driver.mesh(.request(torrent: 7, .update)), [], "over")
  }

  func testClimbingRatesAreToldToTheOthersAndTheirsCountInThePlan() {
    var backend = QueueBackend(queue: [queued(7, .running), queued(8, .running, downloadRate: 10000)])
    backend.queue[1].status.downloadLimit = 40000
    backend.line = CTCSLineLimits(download: 100 * 1024, upload: 0)
    var driver = SessionDriver(backend: backend)
    _ = driver.feed(handshake)
    _ = driver.feed("CTBW 0,0 51200,0\n")
    driver.now = .at(2)
    XCTAssertEqual(driver.feed("CTBW 50000,0 51200,0\n").first, "mesh rising 7 1 0")
    driver.now = .at(4)
    XCTAssertEqual(driver.feed("CTBW 50000,0 51200,0\n").first, "mesh rising 7 0 0", "told once when it stops")
    driver.now = .at(6)
    XCTAssertFalse(driver.feed("CTBW 50000,0 51200,0\n").contains { $0.hasPrefix("mesh rising") })
    XCTAssertEqual(driver.mesh(.rising(torrent: 7, download: true, upload: true)), [], "our own torrent's word is ours")

    let ours = BandwidthPlan.Demand(rate: 50000, limit: 51200)
    let other = BandwidthPlan.Demand(rate: 10000, limit: 40000)
    var climbing = other
    climbing.rising = true
    let expected = BandwidthPlan.allocate(total: 100 * 1024, among: [ours, climbing])[0]
    XCTAssertNotEqual(expected, BandwidthPlan.allocate(total: 100 * 1024, among: [ours, other])[0])
    XCTAssertEqual(driver.mesh(.rising(torrent: 8, download: true, upload: false)), [])
    XCTAssertEqual(driver.mesh(.rebalance).first, "SETDLIMIT \(expected)\r\n")
  }

  func testAStalledDownloadIsNudgedAndTheReasonRecorded() {
    let patient = SlowTorrentWatch.Thresholds(updateBelow: 5120, restartBelow: 2048, patience: 10)
    var driver = SessionDriver(
      backend: QueueBackend(queue: [queued(7, .running)], identification: .torrent(id: 7, paused: false, thresholds: patient)))
    _ = driver.feed(handshake)
    let stalled = "CTSTATUS 0:0/0:0/0 10/100/100 0,0 0,0 0,0 0\n"
    _ = driver.feed(stalled)
    driver.now = .at(10)
    let update = "in.ctcs: under 5120 B/s for 10 s; sent CTUPDATE (more peers)"
    XCTAssertEqual(
      driver.feed(stalled),
      ["record status 7 same state 10/100 pieces 0,0 B/s", "log info: torrent 7: 0 B/s: \(update)", "CTUPDATE\r\n",
       "record message 7: \(update)"])
    driver.now = .at(20)
    let restart = "in.ctcs: under 2048 B/s for 10 s after CTUPDATE; sent CTRESTART (a new tracker session)"
    XCTAssertEqual(
      Array(driver.feed(stalled).dropFirst()), ["log info: torrent 7: 0 B/s: \(restart)", "CTRESTART\r\n", "record message 7: \(restart)"])
  }

  func testARemovedTorrentsClientIsToldToQuitAndNothingMoreIsRecorded() {
    var driver = SessionDriver(backend: QueueBackend(queue: [queued(7, .running)]))
    _ = driver.feed(handshake)
    XCTAssertEqual(driver.session.torrentRemoved().map(describe), ["CTQUIT\r\n"])
    XCTAssertNil(driver.session.torrentID)
    XCTAssertEqual(driver.feed(statusLine + "CTINFO 3 hello\n"), [])
    XCTAssertEqual(driver.session.torrentRemoved().map(describe), [])
    XCTAssertEqual(driver.session.finish().map(describe), [])
  }

  func testBlocksBeforeTheTorrentIsKnownAreDropped() {
    var driver = SessionDriver()
    XCTAssertEqual(driver.feed("CTFILESTART\nCTFILE 1 1 1 4 2 3 1048576 a\nCTFILESDONE\nCTPEERSTART\nCTPEERSDONE\n"), [])
  }
}
