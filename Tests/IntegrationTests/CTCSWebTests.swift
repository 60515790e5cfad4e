import Foundation
import Glibc
import Runtime
import Store
import TestSupport
import XCTest

/// The torrent web page (in.ctcs as a CGI of in.www under a real openbsd-inetd) and the queue
/// runner (in.ctcs --run-queue), with a stand-in ctorrent that records its arguments, and a
/// real ctorrent reporting to a listening stand-in CTCS server.
final class CTCSWebTests: XCTestCase {
  func testThePageListsTorrentsEscapedAndRefusesFormsWithoutTheirToken() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    let torrent = try store.addTorrent(name: "<b>bold</b> & \"quoted\"", metainfo: Array("d4:infod4:name1:xee".utf8), now: 1)
    var status = TorrentStatus()
    status.lastMessage = "2 <script>alert(1)</script>"
    status.piecesTotal = 8
    status.piecesHave = 2
    try store.updateTorrentStatus(id: torrent.id, status)

    let page = try web.server.curl(web.server.url("/torrents.cgi"))
    XCTAssertTrue(page.contains("&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;"), page)
    XCTAssertTrue(page.contains("2 &lt;script&gt;alert(1)&lt;/script&gt;"), page)
    XCTAssertFalse(page.contains("<b>bold") || page.contains("<script>"), page)
    XCTAssertTrue(page.contains("25.0%"), page)
    XCTAssertTrue(page.contains("<meta http-equiv=\"refresh\""), page)

    let mesh = try web.meshMember()
    let pause = try XCTUnwrap(TorrentWeb.token(in: page, action: "pause", id: torrent.id), page)
    let resume = try XCTUnwrap(TorrentWeb.token(in: page, action: "resume", id: torrent.id), page)
    let without = try web.post(["action=pause", "id=\(torrent.id)"])
    XCTAssertTrue(without.hasPrefix("HTTP/1.1 403"), without)
    XCTAssertEqual(try web.post(["action=pause", "id=\(torrent.id)", "token=\(resume)"]).prefix(12), "HTTP/1.1 403")
    XCTAssertEqual(try web.post(["action=pause", "id=\(torrent.id + 1)", "token=\(pause)"]).prefix(12), "HTTP/1.1 403")
    XCTAssertEqual(try store.torrent(id: torrent.id)?.state, .queued, "a refused form changes nothing")
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 200), [], "a refused form sends nothing")

    let accepted = try web.post(["action=pause", "id=\(torrent.id)", "token=\(pause)"])
    XCTAssertTrue(accepted.hasPrefix("HTTP/1.1 303"), accepted)
    XCTAssertTrue(accepted.contains("Location: /torrents.cgi?sent=pause&id=\(torrent.id)"), accepted)
    XCTAssertEqual(try store.torrent(id: torrent.id)?.state, .paused)
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["\(torrent.id) pause"])
    let notice = try web.server.curl(web.server.url("/torrents.cgi?sent=pause&id=\(torrent.id)"))
    XCTAssertTrue(notice.contains("Sent pause to torrent \(torrent.id)."), notice)

    let limit = try XCTUnwrap(TorrentWeb.token(in: page, action: "limit", id: torrent.id), page)
    XCTAssertEqual(try web.post(["action=limit", "id=\(torrent.id)", "token=\(limit)", "max_down=x", "max_up="]).prefix(12), "HTTP/1.1 400")
    XCTAssertEqual(try web.post(["action=limit", "id=\(torrent.id)", "token=\(limit)", "max_down=100", "max_up="]).prefix(12), "HTTP/1.1 303")
    XCTAssertEqual(try store.torrent(id: torrent.id)?.maxDownloadRate, 102_400)
    XCTAssertNil(try store.torrent(id: torrent.id)?.maxUploadRate)
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["\(torrent.id) rebalance"])

    // Resume queues it again and runs the queue, which starts it.
    XCTAssertEqual(try web.post(["action=resume", "id=\(torrent.id)", "token=\(resume)"]).prefix(12), "HTTP/1.1 303")
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["\(torrent.id) resume"])
    XCTAssertEqual(try store.torrent(id: torrent.id)?.state, .running)
    XCTAssertNotNil(try store.torrentProcess(id: torrent.id)?.pid)
  }

  func testUpAndDownMoveATorrentInTheQueueWithTheirOwnTokensAndTellNoClient() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    let ids = try ["a", "b", "c"].map { try store.addTorrent(name: $0, metainfo: Array("d4:infod4:name1:\($0)ee".utf8), now: 1).id }
    let page = try web.server.curl(web.server.url("/torrents.cgi"))
    XCTAssertNil(TorrentWeb.token(in: page, action: "up", id: ids[0]), "the front one has no up")
    XCTAssertNil(TorrentWeb.token(in: page, action: "down", id: ids[2]), "the last one has no down")
    let up = try XCTUnwrap(TorrentWeb.token(in: page, action: "up", id: ids[2]), page)
    let down = try XCTUnwrap(TorrentWeb.token(in: page, action: "down", id: ids[0]), page)

    let mesh = try web.meshMember()
    XCTAssertEqual(try web.post(["action=down", "id=\(ids[2])", "token=\(up)"]).prefix(12), "HTTP/1.1 403")
    XCTAssertEqual(try web.post(["action=up", "id=\(ids[1])", "token=\(up)"]).prefix(12), "HTTP/1.1 403")
    XCTAssertEqual(try store.torrents().map(\.name), ["a", "b", "c"], "a refused form changes nothing")

    let moved = try web.post(["action=up", "id=\(ids[2])", "token=\(up)"])
    XCTAssertTrue(moved.hasPrefix("HTTP/1.1 303"), moved)
    XCTAssertTrue(moved.contains("Location: /torrents.cgi?moved=\(ids[2])&place=2"), moved)
    XCTAssertEqual(try store.torrents().map(\.name), ["a", "c", "b"])
    XCTAssertEqual(try web.post(["action=down", "id=\(ids[0])", "token=\(down)"]).prefix(12), "HTTP/1.1 303")
    XCTAssertEqual(try store.torrents().map(\.name), ["c", "a", "b"])
    XCTAssertEqual(try store.torrents().map(\.position), [1, 2, 3])
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 300), [], "the order is nothing to tell a client")
    let notice = try web.server.curl(web.server.url("/torrents.cgi?moved=\(ids[2])&place=2"))
    XCTAssertTrue(notice.contains("Torrent \(ids[2]) is now number 2 in the queue."), notice)
    XCTAssertEqual(try store.torrents().map(\.state), [.queued, .queued, .queued], "a move starts nothing")
  }

  func testTheSharingSettingsAreSavedWithTheirTokenToldToEveryServerAndLetMoreTorrentsStart() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    try store.setSetting(SettingKey.torrentMaxActive, "0")
    for name in ["a", "b"] { _ = try store.addTorrent(name: name, metainfo: Array("d4:infod4:name1:\(name)ee".utf8), now: 1) }
    let page = try web.server.curl(web.server.url("/torrents.cgi"))
    XCTAssertTrue(page.contains("name=\"max_active\" value=\"0\" placeholder=\"2\""), page)
    XCTAssertTrue(page.contains("name=\"download_limit\" value=\"\" placeholder=\"0\""), page)
    let token = try XCTUnwrap(TorrentWeb.token(in: page, action: "settings", id: nil), page)
    let add = try XCTUnwrap(TorrentWeb.token(in: page, action: "add", id: nil), page)

    let mesh = try web.meshMember()
    let fields = ["download_limit=512", "upload_limit=", "max_active=1"]
    XCTAssertEqual(try web.post(["action=settings"] + fields).prefix(12), "HTTP/1.1 403")
    XCTAssertEqual(try web.post(["action=settings", "token=\(add)"] + fields).prefix(12), "HTTP/1.1 403")
    let bad = try web.post(["action=settings", "token=\(token)", "download_limit=fast", "upload_limit=", "max_active=1"])
    XCTAssertTrue(bad.hasPrefix("HTTP/1.1 400") && bad.contains("torrent_download_limit must be a whole number of KB/s"), bad)
    XCTAssertEqual(try web.post(["action=settings", "token=\(token)", "download_limit=-1"]).prefix(12), "HTTP/1.1 400")
    XCTAssertEqual(try store.integerSetting(SettingKey.torrentMaxActive), 0, "a refused form changes nothing")
    XCTAssertNil(try store.setting(SettingKey.torrentDownloadLimit))
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 300), [])

    try store.setSetting(SettingKey.torrentUploadLimit, "64")
    let saved = try web.post(["action=settings", "token=\(token)"] + fields)
    XCTAssertTrue(saved.hasPrefix("HTTP/1.1 303") && saved.contains("Location: /torrents.cgi?saved=settings"), saved)
    XCTAssertEqual(try store.setting(SettingKey.torrentDownloadLimit), "512")
    XCTAssertNil(try store.setting(SettingKey.torrentUploadLimit), "empty: back to the default")
    XCTAssertEqual(try store.setting(SettingKey.torrentMaxActive), "1")
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 1), ["rebalance"])
    XCTAssertEqual(try store.torrents().map(\.state), [.running, .queued], "one more may run: the queue ran")
    XCTAssertNotNil(try store.torrentProcess(id: 1))
    let notice = try web.server.curl(web.server.url("/torrents.cgi?saved=settings"))
    XCTAssertTrue(notice.contains("The sharing settings were saved."), notice)
    XCTAssertTrue(notice.contains("name=\"download_limit\" value=\"512\""), notice)
  }

  func testAnUploadAndAURLAreQueuedAndStartedByTheQueueRunner() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let page = try web.server.curl(web.server.url("/torrents.cgi"))
    XCTAssertTrue(page.contains("The queue is empty."), page)
    let token = try XCTUnwrap(TorrentWeb.token(in: page, action: "add", id: nil), page)
    let upload = try web.makeTorrent(named: "upload.bin")
    let added = try web.server.curl(
      "-i", "-F", "action=add", "-F", "token=\(token)", "-F", "file=@\(upload);type=application/x-bittorrent",
      web.server.url("/torrents.cgi"))
    XCTAssertTrue(added.hasPrefix("HTTP/1.1 303"), added)
    XCTAssertTrue(added.contains("?added=1"), added)

    let served = try web.makeTorrent(named: "served.bin")
    try FileManager.default.copyItem(atPath: served, toPath: web.server.root + "/served.torrent")
    let fetched = try web.server.curl(
      "-i", "-F", "action=add", "-F", "token=\(token)", "-F", "url=\(web.server.url("/served.torrent"))",
      web.server.url("/torrents.cgi"))
    XCTAssertTrue(fetched.hasPrefix("HTTP/1.1 303"), fetched)
    let forged = try web.server.curl("-i", "-F", "action=add", "-F", "file=@\(upload)", web.server.url("/torrents.cgi"))
    XCTAssertTrue(forged.hasPrefix("HTTP/1.1 403"), forged)
    let local = try web.server.curl(
      "-i", "-F", "action=add", "-F", "token=\(token)", "-F", "url=file:///etc/passwd", web.server.url("/torrents.cgi"))
    XCTAssertTrue(local.hasPrefix("HTTP/1.1 502") && local.contains("only http, https and ftp"), local)

    let store = try Store(path: web.database)
    let torrents = try store.torrents()
    XCTAssertEqual(torrents.map(\.name), ["upload.bin", "served.bin"])
    XCTAssertEqual(torrents.map(\.state), [.running, .running])
    for torrent in torrents {
      let pid = try XCTUnwrap(try store.torrentProcess(id: torrent.id)?.pid)
      XCTAssertEqual(kill(pid, 0), 0, "the stand-in ctorrent \(pid) runs")
      let arguments = try web.waitForArguments(of: torrent.id)
      XCTAssertEqual(
        arguments,
        "-S 127.0.0.1:2780 -s \(web.downloads)/\(torrent.name) \(web.metainfo)/\(torrent.id).torrent")
      XCTAssertEqual(
        FileManager.default.contents(atPath: "\(web.metainfo)/\(torrent.id).torrent").map { Array($0) }, torrent.metainfo)
    }
  }

  func testTheQueueRunnerKeepsToMaxActiveAndEndsTorrentsWhoseCtorrentDied() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    let store = try Store(path: web.database)
    for name in ["a", "b", "c"] {
      _ = try store.addTorrent(name: name, metainfo: Array(try Data(contentsOf: URL(fileURLWithPath: web.makeTorrent(named: name)))), now: 1)
    }
    let run = try ChildProcess.run(web.prefix + "/sbin/slugctl", ["torrent", "run", "--db", web.database])
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertEqual(try store.torrents().map(\.state), [.running, .running, .queued])
    let first = try XCTUnwrap(try store.torrentProcess(id: 1))
    let second = try XCTUnwrap(try store.torrentProcess(id: 2))
    XCTAssertNil(try store.torrentProcess(id: 3))
    // Each recorded with the start time /proc gives its process.
    for process in [first, second] {
      XCTAssertNotNil(process.started)
      XCTAssertEqual(process.started, ProcessTable.startTime(process.pid), "pid \(process.pid)")
    }

    // The first dies; the second dies too and its pid goes to another process (this one,
    // started long before): neither may count as running.
    for process in [first, second] {
      XCTAssertEqual(kill(process.pid, SIGKILL), 0)
      for _ in 0..<100 where ProcessTable.startTime(process.pid) != nil { usleep(20_000) }
    }
    try store.setTorrentProcess(id: 2, ProcessMark(pid: getpid(), started: second.started))
    XCTAssertNotNil(ProcessTable.startTime(getpid()))
    let again = try ChildProcess.run(web.prefix + "/sbin/in.ctcs", ["--run-queue", "--db", web.database])
    XCTAssertEqual(again.status, 0, again.output)
    XCTAssertEqual(try store.torrents().map(\.state), [.failed, .failed, .running])
    XCTAssertNil(try store.torrentProcess(id: 1))
    XCTAssertNil(try store.torrentProcess(id: 2))
    let third = try XCTUnwrap(try store.torrentProcess(id: 3))
    XCTAssertEqual(third.started, ProcessTable.startTime(third.pid))
  }

  func testARealCtorrentStartedByTheQueueNamesItsTorrentFileToTheServer() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ctorrent") else {
      throw SetupFailure("/usr/bin/ctorrent is missing: apt-get install ctorrent")
    }
    let listener = try LoopbackSocket.bind(SOCK_STREAM)
    defer { close(listener.fd) }
    XCTAssertEqual(listen(listener.fd, 4), 0)
    let store = try Store(path: web.database)
    try store.setSetting(SettingKey.torrentCtorrent, "/usr/bin/ctorrent")
    try store.setSetting(SettingKey.torrentCTCSAddress, "127.0.0.1:\(listener.port)")
    let torrent = try store.addTorrent(
      name: "real.bin", metainfo: Array(try Data(contentsOf: URL(fileURLWithPath: web.makeTorrent(named: "real.bin")))), now: 1)
    let run = try ChildProcess.run(web.prefix + "/sbin/in.ctcs", ["--run-queue", "--db", web.database])
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertNotNil(try store.torrentProcess(id: torrent.id)?.pid)

    var descriptor = pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)
    XCTAssertEqual(poll(&descriptor, 1, 10_000), 1, "ctorrent connects to the CTCS server it was given")
    let client = accept(listener.fd, nil, nil)
    XCTAssertGreaterThanOrEqual(client, 0)
    defer { close(client) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var received = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !received.contains("\(torrent.id).torrent") {
      let count = read(client, &buffer, buffer.count)
      guard count > 0 else { break }
      received += String(decoding: buffer[..<count], as: UTF8.self)
    }
    XCTAssertTrue(received.hasPrefix("PROTOCOL "), received)
    XCTAssertTrue(
      received.split(separator: "\n").contains { $0.hasPrefix("CTORRENT ") && $0.contains("\(torrent.id).torrent") }, received)
  }

  func testChromiumShowsTheQueueAndItsControlsAndAddFormWorkAndADetailPageRemovesItsTorrent() throws {
    let web = try TorrentWeb()
    addTeardownBlock { web.stop() }
    try PrivateInetd.require(["/usr/bin/chromium": "chromium", "/usr/bin/chromedriver": "chromium-driver"])
    let store = try Store(path: web.database)
    let torrent = try store.addTorrent(name: "shown <i>in</i> chromium", metainfo: Array("d4:infod4:name1:yee".utf8), now: 1)
    try store.setTorrentState(id: torrent.id, .paused)
    try store.replaceTorrentFiles(
      id: torrent.id, totalBytes: 3072, pieceLength: 1024, seedingSince: 0,
      files: [TorrentFile(number: 1, priority: 0, pieces: 3, piecesHave: 1, piecesAvailable: 3, size: 3072, name: "a <file>")])
    let mesh = try web.meshMember()
    let upload = try web.makeTorrent(named: "browser.bin")
    // Every read waits for its condition on the page shown now: a click's navigation may still
    // be under way (the old page, a stale element), and the page reloads itself every 10 s.
    let script = """
      from selenium import webdriver
      from selenium.webdriver.common.by import By
      from selenium.webdriver.chrome.service import Service
      from selenium.webdriver.support.ui import WebDriverWait
      from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException, WebDriverException
      options = webdriver.ChromeOptions()
      for flag in ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage']:
          options.add_argument(flag)
      # Tests reach loopback only: no update checks, sync or prefetching, and no host name but
      # localhost resolves (Chromium otherwise asks the system's DNS server for Google's names).
      for flag in ['--disable-background-networking', '--disable-component-update', '--disable-sync',
                   '--no-first-run', '--no-default-browser-check', '--dns-prefetch-disable',
                   '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1']:
          options.add_argument(flag)
      driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
      def report(*words):
          print('=', *words, flush=True)
      def wait_for(what, condition):
          seen = ['(nothing)']
          def check(d):
              try:
                  seen[0] = condition(d)
                  return seen[0]
              except (NoSuchElementException, StaleElementReferenceException):
                  return False
              except WebDriverException as error:
                  # Chromium's stale element, when a click lands as the page is replaced.
                  if 'does not belong to the document' not in str(error):
                      raise
                  return False
          try:
              return WebDriverWait(driver, 60, poll_frequency=0.1).until(check)
          except TimeoutException:
              report('gave up waiting for', what, 'at', driver.current_url, 'last saw', seen[0])
              raise
      def text(by, where, expected):
          # The text once it is EXPECTED; after 60 s, whatever it is (the assertion shows it).
          shown = ['(missing)']
          def check(d):
              shown[0] = d.find_element(by, where).text
              return shown[0] == expected
          try:
              wait_for(where + ' = ' + expected, check)
          except TimeoutException:
              pass
          return shown[0]
      def click(by, where):
          # Found and clicked on one page: a reload in between makes the element stale; again.
          wait_for('a click on ' + where, lambda d: d.find_element(by, where).click() or True)
      try:
          driver.set_page_load_timeout(60)
          driver.get('URL')
          report('name:', text(By.CSS_SELECTOR, '#torrent-TORRENT .name', 'NAME'))
          report('state:', text(By.CSS_SELECTOR, '#torrent-TORRENT .state', 'paused'))
          click(By.CSS_SELECTOR, '#torrent-TORRENT button[value=update]')
          report('notice:', text(By.ID, 'notice', 'Sent update to torrent TORRENT.'))
          wait_for('the add form', lambda d: d.find_element(By.CSS_SELECTOR, '#add input[type=file]').send_keys('UPLOAD') or True)
          click(By.CSS_SELECTOR, '#add button')
          report('notice:', text(By.ID, 'notice', 'Torrent NEXT was queued.'))
          report('rows:', wait_for('two rows', lambda d: len(d.find_elements(By.CSS_SELECTOR, '#torrents tr')) - 1 == 2 and 2))
          click(By.CSS_SELECTOR, '#torrent-TORRENT .name a')
          report('detail:', text(By.ID, 'name', 'NAME'))
          report('file:', text(By.CSS_SELECTOR, '#files .name', 'a <file>'))
          click(By.CSS_SELECTOR, '#remove button')
          report('question:', wait_for('the question', lambda d: 'Remove torrent TORRENT,' in d.find_element(By.ID, 'question').text and 'asked'))
          report('list shown:', len(driver.find_elements(By.ID, 'torrents')))
          click(By.CSS_SELECTOR, '#confirm button')
          report('notice:', text(By.ID, 'notice', 'Torrent TORRENT was removed.'))
          report('rows:', wait_for('one row', lambda d: len(d.find_elements(By.CSS_SELECTOR, '#torrents tr')) - 1 == 1 and 1))
      finally:
          driver.quit()
      """
      .replacingOccurrences(of: "URL", with: web.server.url("/torrents.cgi"))
      .replacingOccurrences(of: "NAME", with: "shown <i>in</i> chromium")
      .replacingOccurrences(of: "NEXT", with: "\(torrent.id + 1)")
      .replacingOccurrences(of: "TORRENT", with: "\(torrent.id)")
      .replacingOccurrences(of: "UPLOAD", with: upload)
    let browser = try ChildProcess.run("/usr/bin/python3", ["-c", script])
    XCTAssertEqual(browser.status, 0, browser.output)
    XCTAssertEqual(
      browser.output.split(separator: "\n").filter { $0.hasPrefix("= ") }.joined(separator: "\n"),
      """
      = name: shown <i>in</i> chromium
      = state: paused
      = notice: Sent update to torrent \(torrent.id).
      = notice: Torrent \(torrent.id + 1) was queued.
      = rows: 2
      = detail: shown <i>in</i> chromium
      = file: a <file>
      = question: asked
      = list shown: 0
      = notice: Torrent \(torrent.id) was removed.
      = rows: 1
      """, browser.output)
    XCTAssertEqual(TorrentWeb.messages(mesh, milliseconds: 2000, until: 2), ["\(torrent.id) update", "\(torrent.id) quit"])
    XCTAssertEqual(try store.torrents().map(\.name), ["browser.bin"])
  }
}

/// in.www and in.ctcs under one inetd, from the lines `slugctl inetd generate` writes, with
/// `torrents.cgi` (a script running the installed in.ctcs --cgi, relaying to that in.ctcs,
/// which has a store of its own), and settings that point the queue at a stand-in ctorrent.
final class TorrentWeb {
  let server: WebServerUnderInetd
  let storeDirectory: TemporaryDirectory
  let database: String
  /// in.ctcs's port, which serves the page itself too.
  let ctcsPort: UInt16
  let prefix: String
  let downloads: String
  let metainfo: String
  let fakeCtorrent: String

  init() throws {
    storeDirectory = try TemporaryDirectory()
    database = storeDirectory.path + "/slug.db"
    ctcsPort = try FreePort.tcp()
    server = try WebServerUnderInetd(alsoServing: [("ctcs", ctcsPort, database)])
    let directory = server.directory.path
    prefix = directory + "/prefix"
    downloads = directory + "/downloads"
    metainfo = directory + "/metainfo"
    fakeCtorrent = directory + "/fake-ctorrent"
    // Records its arguments (the last one names ID.torrent) and stays, as ctorrent would.
    try """
      #!/bin/sh
      for last in "$@"; do :; done
      echo "$@" > "$last.arguments"
      exec sleep 120
      """.write(toFile: fakeCtorrent, atomically: true, encoding: .utf8)
    chmod(fakeCtorrent, 0o755)
    // The store as `slugctl init` makes it (in.ctcs, in the group slug, writes it); the queue
    // runner in.ctcs starts runs as in.ctcs's user and writes the queue's directories.
    try PrivateInetd.reachable(storeDirectory.path)
    let initialised = try ChildProcess.run(prefix + "/sbin/slugctl", ["init", "--db", database])
    guard initialised.status == 0 else { throw SetupFailure("slugctl init failed: \(initialised.output)") }
    for path in [downloads, metainfo] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    try PrivateInetd.give([downloads, metainfo], to: "slug-ctcs")
    let store = try Store(path: database)
    try store.setSetting(SettingKey.torrentCtorrent, fakeCtorrent)
    try store.setSetting(SettingKey.torrentDownloadDirectory, downloads)
    try store.setSetting(SettingKey.torrentMetainfoDirectory, metainfo)
    try store.setSetting(SettingKey.torrentMaxActive, "2")
    let cgi = server.root + "/torrents.cgi"
    try "#!/bin/sh\nexec \(prefix)/sbin/in.ctcs --cgi --ctcs 127.0.0.1:\(ctcsPort)\n"
      .write(toFile: cgi, atomically: true, encoding: .utf8)
    chmod(cgi, 0o755)
  }

  /// A member of the store's in.ctcs mesh with the store's key, answering while a POST runs.
  func meshMember() throws -> MeshListener {
    try MeshListener(prefix: PeerMesh.prefix(forStorePath: database, service: "ctcs"), key: try Store(path: database).meshKey())
  }

  /// Stops inetd, and every ctorrent the queue started (their pids are in the store).
  func stop() {
    if let store = try? Store(path: database), let torrents = try? store.torrents() {
      for torrent in torrents {
        if let pid = (try? store.torrentProcess(id: torrent.id))?.pid, pid != getpid() { kill(pid, SIGKILL) }
      }
    }
    server.stop()
  }

  /// A single-file torrent made by ctorrent itself; returns its path.
  func makeTorrent(named name: String) throws -> String {
    let directory = server.directory.path + "/sources"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let content = directory + "/" + name
    try Data("contents of \(name)\n".utf8).write(to: URL(fileURLWithPath: content))
    let output = content + ".torrent"
    let made = try ChildProcess.run(
      "/usr/bin/ctorrent", ["-t", "-u", "http://127.0.0.1:1/announce", "-s", output, content])
    guard FileManager.default.fileExists(atPath: output) else { throw SetupFailure("ctorrent -t failed: \(made.output)") }
    return output
  }

  /// POSTs url-encoded fields; the whole response with its head.
  func post(_ fields: [String]) throws -> String {
    try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "10", "-i"] + fields.flatMap { ["--data", $0] } + [server.url("/torrents.cgi")]
    ).output
  }

  /// What the stand-in ctorrent for torrent ID was given, once it has written it.
  func waitForArguments(of id: Int64) throws -> String {
    let path = "\(metainfo)/\(id).torrent.arguments"
    for _ in 0..<100 where !FileManager.default.fileExists(atPath: path) { usleep(20_000) }
    return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .newlines)
  }

  /// The token of the form for ACTION on torrent ID (nil: the add form) in a page.
  static func token(in page: String, action: String, id: Int64?) -> String? {
    let idField = id.map { "<input type=\"hidden\" name=\"id\" value=\"\($0)\">" } ?? ""
    let start = "<input type=\"hidden\" name=\"action\" value=\"\(action)\">" + idField + "<input type=\"hidden\" name=\"token\" value=\""
    guard let range = page.range(of: start) else { return nil }
    return String(page[range.upperBound...].prefix { $0 != "\"" })
  }

  /// The messages MESH receives within the time, or until COUNT arrived.
  static func messages(_ mesh: MeshListener, milliseconds: Int, until count: Int = .max) -> [String] {
    mesh.messages(milliseconds: milliseconds, until: count)
  }
}
