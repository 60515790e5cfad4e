import Foundation
import Store
import TestSupport
import XCTest

/// `in.ctcs -n` and its two other programs' `-n`: the effective configuration, fd 0 untouched
/// (it is /dev/null here, not a socket), or the one line saying why it does not hold.
final class CTCSCheckModeTests: XCTestCase {
  func testTheControlServerPrintsItsConfigurationWithTheStoresLineAndSlowWatch() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    try store.setSetting(SettingKey.torrentDownloadLimit, "512")
    try store.setSetting(SettingKey.torrentSlowPatience, "60")
    try "s3cret\n".write(toFile: directory.path + "/password", atomically: true, encoding: .utf8)
    let program = try BuildProducts.binDirectory() + "/in.ctcs"

    let fromStore = try ChildProcess.run(
      program, ["-n", "--db", database, "--password-file", directory.path + "/password", "-t", "60"])
    XCTAssertEqual(fromStore.status, 0, fromStore.output)
    XCTAssertEqual(
      fromStore.output,
      """
      store \(database)
      password-file \(directory.path)/password
      idle 60
      status-interval 10
      download-line 512 KB/s (the store's settings)
      upload-line none (the store's settings)
      slow-update-below 5 KB/s
      slow-restart-below 2 KB/s
      slow-patience 60 s
      max-clients 64
      max-per-source 32

      """)
    XCTAssertFalse(fromStore.output.contains("s3cret"), "never the password")

    let fromArguments = try ChildProcess.run(program, ["-n", "--db", database, "--status-interval", "2", "64", "32"])
    XCTAssertEqual(fromArguments.status, 0, fromArguments.output)
    XCTAssertTrue(fromArguments.output.contains("password-file none\nidle 300\nstatus-interval 2\n"), fromArguments.output)
    XCTAssertTrue(
      fromArguments.output.contains("download-line 64 KB/s (the command line)\nupload-line 32 KB/s (the command line)\n"),
      fromArguments.output)
  }

  func testABadSlowWatchSettingIsNamedAndItsDefaultShown() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    try Store(path: database).setSetting(SettingKey.torrentSlowUpdateBelow, "fast")
    let result = try ChildProcess.run(try BuildProducts.binDirectory() + "/in.ctcs", ["-n", "--db", database])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertTrue(result.output.contains("torrent_slow_update_below 'fast' is not a whole number"), result.output)
    XCTAssertTrue(result.output.contains("slow-update-below 5 KB/s\n"), result.output)
  }

  func testAMissingStoreOrPasswordFileIsOneLineAndItsExitStatus() throws {
    let directory = try TemporaryDirectory()
    let program = try BuildProducts.binDirectory() + "/in.ctcs"
    let noStore = try ChildProcess.run(program, ["-n", "--db", directory.path + "/none.db"])
    XCTAssertEqual(noStore.status, 66, noStore.output)
    XCTAssertEqual(noStore.output.split(separator: "\n").count, 1, noStore.output)
    XCTAssertTrue(noStore.output.contains("cannot open \(directory.path)/none.db: no such file"), noStore.output)

    try Store(path: directory.path + "/slug.db").setSetting(SettingKey.torrentMaxActive, "1")
    let noPassword = try ChildProcess.run(
      program, ["-n", "--db", directory.path + "/slug.db", "--password-file", directory.path + "/missing"])
    XCTAssertEqual(noPassword.status, 66, noPassword.output)
    XCTAssertTrue(
      noPassword.output.contains("cannot read the password file \(directory.path)/missing: No such file or directory"),
      noPassword.output)
  }

  func testTheQueueRunnerAndThePagePrintTheirsToo() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    try store.setSetting(SettingKey.torrentMaxActive, "3")
    try store.setSetting(SettingKey.torrentCtorrentOptions, "-e 1")
    let waiting = try store.addTorrent(name: "waiting", metainfo: Array("d4:infod4:name1:wee".utf8), now: 1)
    let program = try BuildProducts.binDirectory() + "/in.ctcs"

    let queue = try ChildProcess.run(program, ["--run-queue", "-n", "--db", database])
    XCTAssertEqual(queue.status, 0, queue.output)
    XCTAssertEqual(
      queue.output,
      """
      store \(database)
      max-active 3
      ctorrent ctorrent
      ctorrent-options -e 1
      download-directory /var/lib/slug/downloads
      metainfo-directory /var/lib/slug/torrents
      ctcs-address 127.0.0.1:2780

      """)
    XCTAssertEqual(try store.torrent(id: waiting.id)?.state, .queued, "checked, not run")

    // The relay opens no store: --db, from scripts written for the page that did, is ignored.
    let page = try ChildProcess.run(program, ["--cgi", "-n", "--db", database])
    XCTAssertEqual(page.status, 0, page.output)
    XCTAssertEqual(page.output, "ctcs 127.0.0.1:2780\nmaximum-body 4194304\n")
    let elsewhere = try ChildProcess.run(program, ["--cgi", "-n", "--ctcs", "[::1]:2781"])
    XCTAssertEqual(elsewhere.output, "ctcs [::1]:2781\nmaximum-body 4194304\n")
    for wrong in ["localhost:2780", "127.0.0.1", "127.0.0.1:0", "::1:2780", "[::1]:x"] {
      let refused = try ChildProcess.run(program, ["--cgi", "--ctcs", wrong])
      XCTAssertEqual(refused.status, 64, refused.output)
      XCTAssertTrue(refused.output.contains("--ctcs needs an IPv4 ADDRESS:PORT or [IPv6]:PORT"), refused.output)
    }

    let usage = try ChildProcess.run(program, ["--run-queue", "extra"])
    XCTAssertEqual(usage.status, 64, usage.output)
    XCTAssertTrue(usage.output.contains("unexpected argument 'extra'; usage: in.ctcs --run-queue [-d] [--db PATH]"), usage.output)
  }
}
