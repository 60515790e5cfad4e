import CTCS
import Store
import XCTest

final class SlowTorrentWatchTests: XCTestCase {
  func testAStalledDownloadGetsUpdateThenRestartByTheDocumentedThresholds() {
    var watch = SlowTorrentWatch()
    XCTAssertNil(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 0))
    XCTAssertNil(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 299))
    XCTAssertEqual(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 300), .update)
    XCTAssertNil(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 599))
    XCTAssertEqual(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 600), .restart)
    XCTAssertNil(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 601))
    XCTAssertEqual(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 900), .update)
  }

  func testASlowButMovingDownloadOnlyGetsUpdates() {
    var watch = SlowTorrentWatch()
    _ = watch.observe(downloadRate: 3_000, complete: false, paused: false, now: 0)
    XCTAssertEqual(watch.observe(downloadRate: 3_000, complete: false, paused: false, now: 300), .update)
    XCTAssertEqual(watch.observe(downloadRate: 3_000, complete: false, paused: false, now: 600), .update)
  }

  func testSeedersPausedTorrentsAndRecoveriesAreLeftAlone() {
    var watch = SlowTorrentWatch()
    for now in stride(from: Int64(0), through: 3_000, by: 100) {
      XCTAssertNil(watch.observe(downloadRate: 0, complete: true, paused: false, now: now))
    }
    for now in stride(from: Int64(3_000), through: 6_000, by: 100) {
      XCTAssertNil(watch.observe(downloadRate: 0, complete: false, paused: true, now: now))
    }
    _ = watch.observe(downloadRate: 0, complete: false, paused: false, now: 6_000)
    XCTAssertNil(watch.observe(downloadRate: 50_000, complete: false, paused: false, now: 6_200))
    XCTAssertNil(watch.observe(downloadRate: 0, complete: false, paused: false, now: 6_400), "the watch starts over after a fast report")
    XCTAssertEqual(watch.observe(downloadRate: 0, complete: false, paused: false, now: 6_700), .update)
  }

  func testAShortPatienceFromTheSettingsNudgesSoonerAndAZeroUpdateThresholdTurnsTheWatchOff() {
    let (quick, problems) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "8", restartBelowKB: "1", patienceSeconds: "3")
    XCTAssertEqual(problems, [])
    XCTAssertEqual(quick, SlowTorrentWatch.Thresholds(updateBelow: 8192, restartBelow: 1024, patience: 3))
    var watch = SlowTorrentWatch(quick)
    XCTAssertNil(watch.observe(downloadRate: 7_000, complete: false, paused: false, now: 10))
    XCTAssertNil(watch.observe(downloadRate: 7_000, complete: false, paused: false, now: 12))
    XCTAssertEqual(watch.observe(downloadRate: 7_000, complete: false, paused: false, now: 13), .update, "7000 B/s is under 8 KB/s")
    XCTAssertEqual(watch.observe(downloadRate: 1_500, complete: false, paused: false, now: 16), .update, "1500 B/s is not under 1 KB/s")
    XCTAssertEqual(watch.observe(downloadRate: 1_000, complete: false, paused: false, now: 19), .restart)
    XCTAssertNil(watch.observe(downloadRate: 0, complete: true, paused: false, now: 40), "a seeder, whatever the settings")

    let (off, _) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "0", restartBelowKB: "0", patienceSeconds: "1")
    var idle = SlowTorrentWatch(off)
    for now in Int64(0)...20 { XCTAssertNil(idle.observe(downloadRate: 0, complete: false, paused: false, now: now)) }
  }

  func testAbsentSettingsAreTheDocumentedDefaultsTheSameAsSlugctlLists() {
    let (absent, problems) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: nil, restartBelowKB: nil, patienceSeconds: nil)
    XCTAssertEqual(problems, [])
    XCTAssertEqual(absent, .standard)
    XCTAssertEqual(absent, SlowTorrentWatch.Thresholds(updateBelow: 5120, restartBelow: 2048, patience: 300))
    let listed = Dictionary(uniqueKeysWithValues: SettingKey.torrentDefaults.map { ($0.key, $0.value) })
    let (fromDefaults, none) = SlowTorrentWatch.Thresholds.parse(
      updateBelowKB: listed[SettingKey.torrentSlowUpdateBelow], restartBelowKB: listed[SettingKey.torrentSlowRestartBelow],
      patienceSeconds: listed[SettingKey.torrentSlowPatience])
    XCTAssertEqual(none, [])
    XCTAssertEqual(fromDefaults, .standard, "the defaults slugctl torrent settings shows are the ones in.ctcs uses")
  }

  func testBadValuesKeepTheirDefaultEachWithAProblemToLog() {
    let (parsed, problems) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "fast", restartBelowKB: "-1", patienceSeconds: "0")
    XCTAssertEqual(parsed, .standard)
    XCTAssertEqual(problems.count, 3, "\(problems)")
    XCTAssertTrue(problems[0].hasPrefix("torrent_slow_update_below 'fast' is not a whole number"), problems[0])
    XCTAssertTrue(problems[1].hasPrefix("torrent_slow_restart_below '-1'"), problems[1])
    XCTAssertTrue(problems[2].hasPrefix("torrent_slow_patience '0' is not a whole number from 1 to 604800"), problems[2])

    let (huge, tooLong) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "99999999999999999999", restartBelowKB: "2", patienceSeconds: "604801")
    XCTAssertEqual(huge, .standard)
    XCTAssertEqual(tooLong.count, 2, "\(tooLong)")

    let (spaced, fine) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: " 10 ", restartBelowKB: "4", patienceSeconds: "60")
    XCTAssertEqual(fine, [])
    XCTAssertEqual(spaced, SlowTorrentWatch.Thresholds(updateBelow: 10240, restartBelow: 4096, patience: 60))

    let hostile = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "1\u{1b}[2J\n", restartBelowKB: nil, patienceSeconds: nil).problems
    XCTAssertEqual(hostile.count, 1)
    XCTAssertFalse(hostile[0].contains("\u{1b}") || hostile[0].contains("\n"), "nothing raw reaches the log: \(hostile[0])")
  }

  func testARestartThresholdAboveTheUpdateThresholdIsLoweredToIt() {
    let (parsed, problems) = SlowTorrentWatch.Thresholds.parse(updateBelowKB: "3", restartBelowKB: "9", patienceSeconds: nil)
    XCTAssertEqual(parsed, SlowTorrentWatch.Thresholds(updateBelow: 3072, restartBelow: 3072, patience: 300))
    XCTAssertEqual(problems.count, 1)
    XCTAssertTrue(problems[0].contains("above torrent_slow_update_below"), problems[0])
  }
}
