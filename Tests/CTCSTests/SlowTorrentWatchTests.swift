import CTCS
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
}
