import Runtime
import Store
import TestSupport
import XCTest

final class TorrentCommandTests: StoreCommandTestCase {
  private let metainfo = "d8:announce17:http://t/announce4:infod6:lengthi42e4:name8:disk.img12:piece lengthi16384e6:pieces0:ee"

  func testAddQueuesTheTorrentUnderItsInfoName() throws {
    let file = try directory.write(metainfo, to: "disk.torrent")
    XCTAssertEqual(succeed("torrent", "add", file), "1\n")
    let json = try jsonList("torrent", "list")
    XCTAssertEqual(json.first?["name"] as? String, "disk.img")
    XCTAssertEqual(json.first?["state"] as? String, "queued")
    XCTAssertEqual(try openStore().torrent(id: 1)?.metainfo, Array(metainfo.utf8))
    XCTAssertTrue(succeed("torrent", "list").contains("1   queued  0/0"))
  }

  func testPauseResumeAndRemove() throws {
    succeed("torrent", "add", try directory.write(metainfo, to: "disk.torrent"))
    succeed("torrent", "pause", "1")
    XCTAssertEqual(try jsonList("torrent", "list").first?["state"] as? String, "paused")
    succeed("torrent", "resume", "1")
    XCTAssertEqual(try jsonList("torrent", "list").first?["state"] as? String, "queued")
    succeed("torrent", "rm", "1")
    XCTAssertEqual(try jsonList("torrent", "list").count, 0)
    XCTAssertTrue(fail(65, "torrent", "pause", "1").contains("1"))
    fail(64, "torrent", "rm", "one")
  }

  func testMovePutsATorrentWhereItIsToldAndPrintsItsPlace() throws {
    for name in ["a", "b", "c"] {
      let bytes = "d4:infod6:lengthi1e4:name1:\(name)12:piece lengthi16384e6:pieces0:ee"
      succeed("torrent", "add", try directory.write(bytes, to: "\(name).torrent"))
    }
    func order() throws -> [String] { try jsonList("torrent", "list").compactMap { $0["name"] as? String } }
    XCTAssertEqual(succeed("torrent", "move", "3", "first"), "1\n")
    XCTAssertEqual(try order(), ["c", "a", "b"])
    XCTAssertEqual(succeed("torrent", "move", "3", "down"), "2\n")
    XCTAssertEqual(succeed("torrent", "move", "2", "up"), "2\n")
    XCTAssertEqual(try order(), ["a", "b", "c"])
    XCTAssertEqual(succeed("torrent", "move", "1", "3"), "3\n")
    XCTAssertEqual(succeed("torrent", "move", "1", "top"), "1\n")
    XCTAssertEqual(succeed("torrent", "move", "1", "last"), "3\n")
    XCTAssertEqual(try order(), ["b", "c", "a"])
    XCTAssertTrue(fail(64, "torrent", "move", "1", "0").contains("place '0' is not first, last, up, down or a number from 1"))
    XCTAssertTrue(fail(64, "torrent", "move", "1", "sideways").contains("place 'sideways'"))
    XCTAssertTrue(fail(65, "torrent", "move", "9", "first").contains("no torrent 9"))
    XCTAssertEqual(try order(), ["b", "c", "a"])
  }

  func testRefusesAFileThatIsNotATorrentNamingIt() throws {
    let file = try directory.write("just some text\n", to: "notes.torrent")
    XCTAssertTrue(fail(65, "torrent", "add", file).contains("\(file) is not a torrent file"))
    XCTAssertTrue(fail(66, "torrent", "add", directory.path + "/missing.torrent").contains("missing.torrent"))
  }

  func testTheSameTorrentIsNotQueuedTwice() throws {
    let file = try directory.write(metainfo, to: "disk.torrent")
    succeed("torrent", "add", file)
    fail(65, "torrent", "add", file)
  }

  func testAddFetchesAnHTTPURLAndSaysWhyWhenItCannot() throws {
    _ = try directory.write(metainfo, to: "disk.torrent")
    let port = try FreePort.tcp()
    let server = try ChildProcess(
      "/usr/bin/python3", ["-m", "http.server", "--bind", "127.0.0.1", "--directory", directory.path, "\(port)"])
    defer { server.stop() }
    for _ in 0..<100 where !LoopbackSocket.acceptsTCP(port: port) { usleep(50_000) }
    XCTAssertEqual(succeed("torrent", "add", "http://127.0.0.1:\(port)/disk.torrent"), "1\n")
    XCTAssertEqual(try openStore().torrent(id: 1)?.metainfo, Array(metainfo.utf8))
    XCTAssertTrue(
      fail(69, "torrent", "add", "http://127.0.0.1:\(port)/missing.torrent").contains("cannot fetch http://127.0.0.1:\(port)/missing.torrent"))
  }

  func testRunNeedsInCtcsBesideSlugctl() {
    // In-process the running binary is the test runner, so there is no in.ctcs beside slugctl.
    XCTAssertTrue(fail(69, "torrent", "run").contains("in.ctcs is not installed beside slugctl"))
  }
}

final class TorrentSettingsCommandTests: StoreCommandTestCase {
  func testSettingsAreShownSetAndPutBackToTheirDefault() throws {
    // KEY, VALUE ("-": not set) and DEFAULT, whatever the column widths.
    XCTAssertEqual(row("torrent_max_active"), ["torrent_max_active", "-", "2"], succeed("torrent", "settings"))
    succeed("torrent", "settings", "torrent_max_active", "3")
    XCTAssertEqual(succeed("torrent", "settings", "torrent_max_active"), "3\n")
    XCTAssertEqual(try openStore().integerSetting(SettingKey.torrentMaxActive), 3)
    succeed("torrent", "settings", "torrent_max_active", "--default")
    XCTAssertEqual(succeed("torrent", "settings", "torrent_max_active"), "2\n")
    XCTAssertTrue(fail(64, "torrent", "settings", "torrent_max_active", "many").contains("needs a whole number"))
    XCTAssertTrue(fail(64, "torrent", "settings", "torrent_web_secret", "x").contains("unknown torrent setting"))
  }

  func testANewLineTellsEveryInCtcsToShareItAgainAndOtherKeysTellNone() throws {
    _ = try openStore()
    let mesh = try meshMember(service: "ctcs")
    succeed("torrent", "settings", "torrent_download_limit", "512")
    XCTAssertEqual(notifications(mesh), ["rebalance"])
    succeed("torrent", "settings", "torrent_upload_limit", "--default")
    XCTAssertEqual(notifications(mesh), ["rebalance"])
    succeed("torrent", "settings", "torrent_slow_patience", "60")
    XCTAssertEqual(notifications(mesh), [])
    fail(64, "torrent", "settings", "torrent_download_limit", "fast")
    XCTAssertEqual(notifications(mesh), [], "a refused value tells nobody")
  }

  func testTheSlowTorrentWatchSettingsAreListedAndChecked() throws {
    XCTAssertEqual(row("torrent_slow_update_below"), ["torrent_slow_update_below", "-", "5"])
    XCTAssertEqual(row("torrent_slow_restart_below"), ["torrent_slow_restart_below", "-", "2"])
    XCTAssertEqual(row("torrent_slow_patience"), ["torrent_slow_patience", "-", "300"])
    succeed("torrent", "settings", "torrent_slow_patience", "3")
    XCTAssertEqual(try openStore().integerSetting(SettingKey.torrentSlowPatience), 3)
    XCTAssertEqual(row("torrent_slow_patience"), ["torrent_slow_patience", "3", "300"])
    XCTAssertTrue(fail(64, "torrent", "settings", "torrent_slow_patience", "0").contains("needs a whole number, 1 or more"))
    XCTAssertTrue(fail(64, "torrent", "settings", "torrent_slow_update_below", "fast").contains("needs a whole number, 0 or more"))
    succeed("torrent", "settings", "torrent_slow_update_below", "0")
    XCTAssertEqual(try openStore().setting(SettingKey.torrentSlowUpdateBelow), "0")
  }

  /// The listing's row for KEY, split at spaces: key, value ("-": not set), default.
  private func row(_ key: String) -> [String] {
    let line = succeed("torrent", "settings").split(separator: "\n").first { $0.hasPrefix(key + " ") } ?? ""
    return line.split(separator: " ").map(String.init)
  }
}
