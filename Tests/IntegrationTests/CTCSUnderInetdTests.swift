import Foundation
import Runtime
import Store
import TestSupport
import XCTest

/// in.ctcs installed by `slugctl install`, started by a real openbsd-inetd from the generated
/// line, with real Enhanced CTorrent clients (Debian ctorrent, dnh3.3.2) reporting to it on
/// loopback. The tracker is unreachable on purpose: these tests are about the control
/// connection, not the transfer.
final class CTCSUnderInetdTests: XCTestCase {
  func testAQueuedTorrentsClientIsRecordedAndGetsTheLinesLimitsThenQuitsOnSlugctlQuit() throws {
    let server = try CTCSServerUnderInetd(limits: ["64", "32"])
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 3_000_000, seed: 1)
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .queued)

    // Nothing downloaded yet: a leecher, named by the file the queue writes (ID.torrent).
    let client = try server.ctorrent(torrent: server.queuedFile(id), saveAs: server.directory.path + "/download-\(id)")
    addTeardownBlock { client.stop() }
    let running = try server.waitFor("torrent \(id) running with the line's limits") { store -> Torrent? in
      guard let torrent = try store.torrent(id: id), torrent.state == .running,
        torrent.status.downloadLimit == 64 * 1024, torrent.status.uploadLimit == 32 * 1024
      else { return nil }
      return torrent
    }
    XCTAssertTrue(running.status.peerID.hasPrefix("-CD0"), running.status.peerID)
    XCTAssertEqual(running.status.piecesTotal, 12, "3 MB in 256 KiB pieces")
    XCTAssertEqual(running.status.piecesHave, 0)
    XCTAssertGreaterThan(running.status.lastSeen, Int64(Date().timeIntervalSince1970) - 60)
    XCTAssertEqual(try server.store().torrents().count, 1, "the queued torrent was recognised, not added again")
    // The blocks asked for at the start: its file, and ctorrent's options.
    let files = try server.waitFor("the file list") { store in
      try store.torrentFiles(id: id).first.map { _ in try store.torrentFiles(id: id) }
    }
    XCTAssertEqual(files.map(\.name), [server.directory.path + "/download-\(id)"], "a single file is named by -s")
    XCTAssertEqual(files.map(\.size), [3_000_000])
    XCTAssertEqual(files.map(\.pieces), [12])
    let options = try server.store().torrentOptions(id: id)
    XCTAssertEqual(options.first { $0.name == "pause" }?.value, "0", "\(options)")

    // The status is asked for every second: last_seen moves on although ctorrent is idle.
    let seen = running.status.lastSeen
    _ = try server.waitFor("a later status") { store in
      try store.torrent(id: id).flatMap { $0.status.lastSeen > seen ? $0 : nil }
    }

    try server.slugctl("torrent", "quit", "\(id)")
    let exited = (0..<100).contains { _ in
      usleep(100_000)
      return !client.isRunning
    }
    XCTAssertTrue(exited, "ctorrent left after CTQUIT")
    _ = try server.waitFor("torrent \(id) done") { store in
      try store.torrent(id: id).flatMap { $0.state == .done ? $0 : nil }
    }
  }

  func testATorrentStartedByHandIsAddedAsSeedingAndItsLimitFollowsSlugctlLimit() throws {
    let server = try CTCSServerUnderInetd(limits: ["0", "100"])
    addTeardownBlock { server.stop() }
    // The whole content is there: ctorrent checks it and seeds.
    let content = server.directory.path + "/by-hand.bin"
    try CTCSServerUnderInetd.randomData(size: 1_000_000, seed: 2).write(to: URL(fileURLWithPath: content))
    let torrentFile = server.directory.path + "/by hand.torrent"
    try server.makeTorrent(of: content, at: torrentFile)
    let client = try server.ctorrent(torrent: torrentFile, saveAs: content)
    addTeardownBlock { client.stop() }

    let seeding = try server.waitFor("the hand-started torrent seeding") { store in
      try store.torrents().first { $0.state == .seeding && $0.status.uploadLimit == 100 * 1024 }
    }
    XCTAssertEqual(seeding.name, "by hand")
    XCTAssertEqual(seeding.metainfo, Array(try Data(contentsOf: URL(fileURLWithPath: torrentFile))))
    XCTAssertEqual(seeding.status.piecesHave, seeding.status.piecesTotal)
    XCTAssertGreaterThan(seeding.status.piecesTotal, 0)

    // A maximum below the line's share: the next plan sends it, the client reports it back.
    try server.slugctl("torrent", "limit", "\(seeding.id)", "--max-up", "20")
    _ = try server.waitFor("the upload limit lowered to 20 KB/s") { store in
      try store.torrent(id: seeding.id).flatMap { $0.status.uploadLimit == 20 * 1024 ? $0 : nil }
    }
    client.stop()
    _ = try server.waitFor("the torrent done once its client is gone") { store in
      try store.torrent(id: seeding.id).flatMap { $0.state == .done ? $0 : nil }
    }
  }

  func testTwoLeechersShareTheDownloadLine() throws {
    let server = try CTCSServerUnderInetd(limits: ["100", "0"])
    addTeardownBlock { server.stop() }
    let first = try server.queueTorrent(size: 1_000_000, seed: 3)
    let second = try server.queueTorrent(size: 1_000_000, seed: 4)
    let one = try server.ctorrent(torrent: server.queuedFile(first), saveAs: server.directory.path + "/d1")
    addTeardownBlock { one.stop() }
    _ = try server.waitFor("the first alone with the whole line") { store in
      try store.torrent(id: first).flatMap { $0.status.downloadLimit == 100 * 1024 ? $0 : nil }
    }
    let two = try server.ctorrent(torrent: server.queuedFile(second), saveAs: server.directory.path + "/d2")
    addTeardownBlock { two.stop() }
    // Neither downloads anything (no tracker): each is promised half the line, event driven.
    _ = try server.waitFor("both at half the line") { store -> [Int64]? in
      let limits = try [first, second].map { try store.torrent(id: $0)?.status.downloadLimit ?? -1 }
      return limits == [50 * 1024, 50 * 1024] ? limits : nil
    }
    two.stop()
    _ = try server.waitFor("the first back to the whole line") { store in
      try store.torrent(id: first).flatMap { $0.status.downloadLimit == 100 * 1024 ? $0 : nil }
    }
    XCTAssertEqual(
      try server.store().torrent(id: second)?.state, .paused,
      "an unfinished torrent whose ctorrent was not the queue runner's is paused when it leaves")
  }

  func testTheQueueRunnersCtorrentReportsHereAndTheNextTorrentStartsWhenItQuits() throws {
    let server = try CTCSServerUnderInetd(limits: ["200", "50"])
    addTeardownBlock { server.stop() }
    let first = try server.queueTorrent(size: 500_000, seed: 8)
    let second = try server.queueTorrent(size: 500_000, seed: 9)
    try server.startQueue(maxActive: 1)
    addTeardownBlock { server.stopQueuedClients() }

    // Not through a pipe: the ctorrents it starts would keep the pipe open.
    let runner = try ChildProcess(
      server.prefix + "/sbin/in.ctcs", ["--run-queue", "--db", server.database], outputPath: server.directory.path + "/runner.log")
    XCTAssertTrue((0..<100).contains { _ in usleep(100_000); return !runner.isRunning }, "the queue runner returns")
    let running = try server.waitFor("the first torrent's ctorrent reporting") { store in
      try store.torrent(id: first).flatMap { $0.state == .running && $0.status.downloadLimit == 200 * 1024 ? $0 : nil }
    }
    XCTAssertTrue(running.status.peerID.hasPrefix("-CD0"), running.status.peerID)
    XCTAssertNotNil(try server.store().torrentProcess(id: first)?.pid)
    XCTAssertEqual(try server.store().torrent(id: second)?.state, .queued, "one at a time")

    try server.slugctl("torrent", "quit", "\(first)")
    // in.ctcs marks it done and starts the queue runner, which starts the next one.
    _ = try server.waitFor("the first done, the second reporting") { store -> Torrent? in
      guard try store.torrent(id: first)?.state == .done, let next = try store.torrent(id: second),
        next.state == .running, next.status.peerID.hasPrefix("-CD0")
      else { return nil }
      return next
    }
  }

  func testARealCtorrentWithTheRightPasswordIsServedAndOneWithAWrongPasswordIsNot() throws {
    let passwordFile = try CTCSServerUnderInetd.passwordFile("s3cret\n")
    let server = try CTCSServerUnderInetd(limits: ["64", "32"], extraArguments: ["--password-file", passwordFile.path + "/password"])
    addTeardownBlock { server.stop() }
    let refused = try server.queueTorrent(size: 300_000, seed: 10)
    let served = try server.queueTorrent(size: 300_000, seed: 11)
    // `-S HOST:PORT:` makes ctorrent read the password (from stdin here) and send AUTH.
    let wrong = try server.ctorrent(torrent: server.queuedFile(refused), saveAs: server.directory.path + "/r", password: "guess")
    addTeardownBlock { wrong.stop() }
    let right = try server.ctorrent(torrent: server.queuedFile(served), saveAs: server.directory.path + "/s", password: "s3cret")
    addTeardownBlock { right.stop() }
    _ = try server.waitFor("the right password's torrent running") { store in
      try store.torrent(id: served).flatMap { $0.state == .running && $0.status.downloadLimit == 64 * 1024 ? $0 : nil }
    }
    sleep(2)
    let untouched = try XCTUnwrap(try server.store().torrent(id: refused))
    XCTAssertEqual(untouched.state, .queued)
    XCTAssertEqual(untouched.status.peerID, "", "nothing recorded for a wrong password")
  }

  func testPauseResumeAndRemoveReachCtorrentWhichReportsItsPauseOption() throws {
    let server = try CTCSServerUnderInetd(limits: ["64", "32"])
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 12)
    let client = try server.ctorrent(torrent: server.queuedFile(id), saveAs: server.directory.path + "/p")
    addTeardownBlock { client.stop() }
    _ = try server.waitFor("ctorrent's options with pause off") { store in
      try store.torrentOptions(id: id).first { $0.name == "pause" && $0.value == "0" }
    }
    try server.slugctl("torrent", "pause", "\(id)")
    _ = try server.waitFor("ctorrent paused") { store -> Torrent? in
      guard try store.torrentOptions(id: id).contains(where: { $0.name == "pause" && $0.value == "1" }) else { return nil }
      return try store.torrent(id: id).flatMap { $0.state == .paused ? $0 : nil }
    }
    try server.slugctl("torrent", "resume", "\(id)")
    _ = try server.waitFor("ctorrent running again") { store -> Torrent? in
      guard try store.torrentOptions(id: id).contains(where: { $0.name == "pause" && $0.value == "0" }) else { return nil }
      return try store.torrent(id: id).flatMap { $0.state == .running ? $0 : nil }
    }
    // Removed from the queue: its ctorrent is told to quit.
    try server.slugctl("torrent", "rm", "\(id)")
    XCTAssertTrue((0..<100).contains { _ in usleep(100_000); return !client.isRunning }, "ctorrent left after rm")
    XCTAssertEqual(try server.store().torrents(), [])
  }

  func testResumingAHandStartedTorrentWhileItsClientIsConnectedStartsNoSecondCtorrent() throws {
    let server = try CTCSServerUnderInetd(limits: ["64", "32"])
    addTeardownBlock { server.stop() }
    // The queue may start torrents: a resumed torrent that went back to the queue would get a
    // second ctorrent here, with its pid recorded.
    try server.startQueue(maxActive: 3)
    addTeardownBlock { server.stopQueuedClients() }
    // Started by hand with nothing downloaded: a leecher, running.
    let content = server.directory.path + "/wanted.bin"
    try CTCSServerUnderInetd.randomData(size: 400_000, seed: 21).write(to: URL(fileURLWithPath: content))
    let torrentFile = server.directory.path + "/wanted.torrent"
    try server.makeTorrent(of: content, at: torrentFile)
    let client = try server.ctorrent(torrent: torrentFile, saveAs: server.directory.path + "/empty.bin")
    addTeardownBlock { client.stop() }
    let running = try server.waitFor("the hand-started torrent running, its options known") { store -> Torrent? in
      guard let torrent = try store.torrents().first(where: { $0.state == .running }),
        try store.torrentOptions(id: torrent.id).contains(where: { $0.name == "pause" && $0.value == "0" })
      else { return nil }
      return torrent
    }
    let serving = try XCTUnwrap(try server.store().torrentServer(id: running.id), "its in.ctcs is recorded")
    XCTAssertEqual(serving.started, ProcessTable.startTime(serving.pid), "with its start time")
    let serverPID = serving.pid

    try server.slugctl("torrent", "pause", "\(running.id)")
    _ = try server.waitFor("ctorrent paused") { store in
      try store.torrentOptions(id: running.id).first { $0.name == "pause" && $0.value == "1" }
    }
    // Its in.ctcs held still while the resume and a queue run happen: only the store can tell
    // them that the paused torrent's ctorrent is alive. slugctl's resume writes the store at
    // once, then waits (up to the mesh's 5 s handshake deadline) for the held in.ctcs to prove
    // the store's key before it tells it; it is let go before that.
    XCTAssertEqual(kill(serverPID, SIGSTOP), 0)
    var held = true
    addTeardownBlock { if held { kill(serverPID, SIGCONT) } }
    let resume = try ChildProcess(server.prefix + "/sbin/slugctl", ["torrent", "resume", "\(running.id)", "--db", server.database])
    addTeardownBlock { resume.stop() }
    _ = try server.waitFor("the resume in the store") { store -> Torrent? in
      try store.torrent(id: running.id).flatMap { $0.state == .running ? $0 : nil }
    }
    XCTAssertEqual(try server.store().torrent(id: running.id)?.state, .running, "running at once, never queued")
    try server.slugctl("torrent", "run")
    XCTAssertNil(try server.store().torrentProcess(id: running.id)?.pid, "the queue runner started a second ctorrent")
    kill(serverPID, SIGCONT)
    held = false
    for _ in 0..<100 where resume.isRunning { usleep(50_000) }
    XCTAssertFalse(resume.isRunning, "slugctl told the in.ctcs it was let go")
    _ = try server.waitFor("ctorrent running again") { store -> Torrent? in
      guard try store.torrentOptions(id: running.id).contains(where: { $0.name == "pause" && $0.value == "0" }) else { return nil }
      return try store.torrent(id: running.id).flatMap { $0.state == .running ? $0 : nil }
    }
    XCTAssertNil(try server.store().torrentProcess(id: running.id)?.pid, "the queue runner started a second ctorrent")
    XCTAssertFalse(FileManager.default.fileExists(atPath: server.directory.path + "/torrents/\(running.id).torrent"))
    XCTAssertTrue(client.isRunning)

    // Its client gone: paused (nothing restarts it behind its user's back), no server recorded;
    // a resume now queues it and the queue runner starts it.
    client.stop()
    _ = try server.waitFor("the torrent paused once its client is gone") { store -> Torrent? in
      guard try store.torrentServer(id: running.id)?.pid == nil else { return nil }
      return try store.torrent(id: running.id).flatMap { $0.state == .paused ? $0 : nil }
    }
    try server.slugctl("torrent", "resume", "\(running.id)")
    _ = try server.waitFor("the queue runner's ctorrent reporting") { store -> Torrent? in
      guard try store.torrentProcess(id: running.id)?.pid != nil, try store.torrentServer(id: running.id)?.pid != nil else { return nil }
      return try store.torrent(id: running.id).flatMap { $0.state == .running ? $0 : nil }
    }
  }

  func testAPasswordIsCheckedAWrongOneGetsAnErrorAndTheRightOneIsServed() throws {
    let passwordFile = try CTCSServerUnderInetd.passwordFile("s3cret\n")
    let server = try CTCSServerUnderInetd(extraArguments: ["--password-file", passwordFile.path + "/password"])
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 5)
    let script = """
      import socket, sys
      def talk(password):
          s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
          s.sendall(b'PROTOCOL 0003\\nAUTH ' + password + b'\\nCTORRENT -CD0302-ABC 1 2 QUEUED\\n')
          data = b''
          while b'SENDCONF' not in data:
              chunk = s.recv(4096)
              if not chunk: break
              data += chunk
          s.close()
          return data.decode().replace('\\r\\n', '|')
      print(talk(b'wrong'))
      print(talk(b's3cret'))
      """.replacingOccurrences(of: "QUEUED", with: server.queuedFile(id))
    let lines = try server.python(script).split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "PROTOCOL 0003|ERROR authentication failed|", "then closed")
    XCTAssertEqual(lines.last, "PROTOCOL 0003|SENDDETAIL|SENDPEERS|SENDCONF|")
    XCTAssertEqual(lines.count, 2)
    _ = try server.waitFor("the torrent served after the right password, paused once its client left") { store in
      try store.torrent(id: id).flatMap { $0.status.peerID == "-CD0302-ABC" && $0.state == .paused ? $0 : nil }
    }
  }

  func testAClientThatAnswersNoStatusRequestIsDroppedAfterTheIdleTime() throws {
    let server = try CTCSServerUnderInetd(extraArguments: ["-t", "2"])
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 13)
    let script = """
      import socket, time
      s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
      start = time.monotonic()
      s.sendall(b'PROTOCOL 0003\\nCTORRENT -CD0302-Q 1 2 QUEUED\\n')
      data = b''
      while True:
          chunk = s.recv(4096)
          if not chunk: break
          data += chunk
      print(round(time.monotonic() - start), data.count(b'SENDSTATUS\\r\\n') >= 1)
      """.replacingOccurrences(of: "QUEUED", with: server.queuedFile(id))
    XCTAssertEqual(try server.python(script), "2 True\n", "closed after 2 s of silence despite SENDSTATUS every second")
    _ = try server.waitFor("the torrent paused (its client was not the queue runner's)") { store in
      try store.torrent(id: id).flatMap { $0.state == .paused ? $0 : nil }
    }
  }

  func testMalformedLinesAreSkippedAndAnOverlongLineEndsTheConnection() throws {
    let server = try CTCSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 14)
    let script = """
      import socket
      def talk(payload):
          s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
          s.sendall(payload)
          data = b''
          try:
              while b'SENDCONF' not in data and b'ERROR' not in data:
                  chunk = s.recv(4096)
                  if not chunk: break
                  data += chunk
          except OSError:
              pass
          s.close()
          return data.decode().replace('\\r\\n', '|')
      garbage = b'CTSTATUS x\\nCTBW 1\\nCTPEER\\nPROTOCOL abc\\n\\x00\\xff\\r\\nWHATEVER 1 2\\n'
      print(talk(garbage + b'CTORRENT -CD0302-G 1 2 QUEUED\\n'))
      print(talk(b'A' * 9000))
      """.replacingOccurrences(of: "QUEUED", with: server.queuedFile(id))
    XCTAssertEqual(
      try server.python(script), "PROTOCOL 0003|SENDDETAIL|SENDPEERS|SENDCONF|\nPROTOCOL 0003|ERROR line too long|\n")
    _ = try server.waitFor("the torrent served after the garbage") { store in
      try store.torrent(id: id).flatMap { $0.status.peerID == "-CD0302-G" ? $0 : nil }
    }
  }

  func testLinesFromTheClientAreNeverEchoedAndCommandsReachOnlyTheirTorrent() throws {
    let server = try CTCSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let first = try server.queueTorrent(size: 300_000, seed: 6)
    let second = try server.queueTorrent(size: 300_000, seed: 7)
    let script = """
      import socket, subprocess, time
      def connect(file):
          s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
          s.sendall(('PROTOCOL 0003\\nCTORRENT -CD0302-X 1 2 ' + file + '\\n').encode())
          data = b''
          while b'SENDCONF' not in data: data += s.recv(4096)
          return s
      a = connect('FIRST')
      b = connect('SECOND')
      a.sendall(b'CTSTATUS 0:0/0:0/0 0/2/0 0,0 0,0 0,0 0\\nCTINFO 3 hello\\n')
      time.sleep(0.5)
      subprocess.run(['SLUGCTL', 'torrent', 'update', 'ID1', '--db', 'DB'], check=True)
      time.sleep(1.5)
      a.settimeout(0.5); b.settimeout(0.5)
      def drain(s):
          data = b''
          try:
              while True:
                  chunk = s.recv(4096)
                  if not chunk: break
                  data += chunk
          except socket.timeout:
              pass
          return data.decode()
      got_a, got_b = drain(a), drain(b)
      print('CTUPDATE' in got_a, 'CTUPDATE' in got_b, 'CTSTATUS' in got_a + got_b, 'CTINFO' in got_a + got_b)
      """
      .replacingOccurrences(of: "FIRST", with: server.queuedFile(first))
      .replacingOccurrences(of: "SECOND", with: server.queuedFile(second))
      .replacingOccurrences(of: "SLUGCTL", with: server.prefix + "/sbin/slugctl")
      .replacingOccurrences(of: "ID1", with: "\(first)")
      .replacingOccurrences(of: "DB", with: server.database)
    XCTAssertEqual(try server.python(script), "True False False False\n")
    XCTAssertEqual(try server.store().torrent(id: first)?.status.lastMessage, "hello")
  }
}

/// openbsd-inetd running the installed in.ctcs on a free loopback port, with a store of its own.
final class CTCSServerUnderInetd {
  let directory: TemporaryDirectory
  let prefix: String
  let database: String
  let port: UInt16
  let trace: String
  let superserver: ChildProcess
  private var clients: [ChildProcess] = []

  /// A directory holding `password` in the file `password`, readable by in.ctcs's user alone
  /// (mode 0600), as an administrator would keep it.
  static func passwordFile(_ password: String) throws -> TemporaryDirectory {
    let directory = try TemporaryDirectory()
    try password.write(toFile: directory.path + "/password", atomically: true, encoding: .utf8)
    try PrivateInetd.ensureServiceUsers()
    try PrivateInetd.reachable(directory.path)
    try PrivateInetd.give([directory.path + "/password"], to: "slug-ctcs")
    chmod(directory.path + "/password", 0o600)
    return directory
  }

  /// `limits`: the two positional KB/s values; `extraArguments` go before them.
  init(limits: [String] = [], extraArguments: [String] = []) throws {
    try PrivateInetd.require(["/usr/bin/ctorrent": "ctorrent", "/usr/bin/python3": "python3"])
    directory = try TemporaryDirectory()
    prefix = directory.path + "/prefix"
    database = directory.path + "/slug.db"
    trace = directory.path + "/inetd.trace"
    port = try FreePort.tcp()
    try FileManager.default.createDirectory(atPath: directory.path + "/torrents", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: directory.path + "/downloads", withIntermediateDirectories: true)

    try PrivateInetd.install(prefix: prefix)
    // in.ctcs runs as its own user, as generated: the queue's directories are its to write.
    try PrivateInetd.give([directory.path + "/torrents", directory.path + "/downloads"], to: "slug-ctcs")
    let initialised = try ChildProcess.run(prefix + "/sbin/slugctl", ["init", "--db", database])
    guard initialised.status == 0 else { throw SetupFailure("slugctl init failed: \(initialised.output)") }
    // in.ctcs runs the queue runner when a client leaves: it starts nothing unless a test asks.
    try Store(path: database).setSetting(SettingKey.torrentMaxActive, "0")
    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: "ctcs", port: port, database: database,
      arguments: ["--status-interval", "1"] + extraArguments + limits)
    let port = self.port
    superserver = try PrivateInetd.start(lines, in: directory.path, output: trace) { LoopbackSocket.acceptsTCP(port: port) }
  }

  func stop() {
    for client in clients { client.stop() }
    superserver.stop()
    SlotSets.removeAll(port: port)
  }

  func store() throws -> Store { try Store(readingFrom: database) }

  /// Lets the queue runner start up to `maxActive` ctorrents, reporting here, with their
  /// metainfo in `torrents/` and their downloads in `downloads/`.
  func startQueue(maxActive: Int) throws {
    let settings = try Store(path: database)
    try settings.setSetting(SettingKey.torrentMaxActive, "\(maxActive)")
    try settings.setSetting(SettingKey.torrentCTCSAddress, "127.0.0.1:\(port)")
    try settings.setSetting(SettingKey.torrentCtorrent, "/usr/bin/ctorrent")
    try settings.setSetting(SettingKey.torrentCtorrentOptions, "-i 127.0.0.1 -e 1")
    try settings.setSetting(SettingKey.torrentMetainfoDirectory, directory.path + "/torrents")
    try settings.setSetting(SettingKey.torrentDownloadDirectory, directory.path + "/downloads")
  }

  /// Stops the ctorrents the queue runner started (detached, in sessions of their own): the
  /// pids the store recorded, when they are still ctorrent.
  func stopQueuedClients() {
    guard let torrents = try? store().torrents() else { return }
    for torrent in torrents {
      guard let pid = (try? store().torrentProcess(id: torrent.id))??.pid,
        let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
        name.hasPrefix("ctorrent")
      else { continue }
      kill(pid, SIGKILL)
    }
  }

  func slugctl(_ arguments: String...) throws {
    let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
  }

  /// Where the queue runner writes torrent ID's metainfo.
  func queuedFile(_ id: Int64) -> String { directory.path + "/torrents/\(id).torrent" }

  /// Makes a torrent of `size` random bytes, queues it with slugctl and writes its metainfo
  /// where the queue runner would; returns its id.
  func queueTorrent(size: Int, seed: UInt64) throws -> Int64 {
    let content = directory.path + "/content-\(seed).bin"
    try CTCSServerUnderInetd.randomData(size: size, seed: seed).write(to: URL(fileURLWithPath: content))
    let file = directory.path + "/made-\(seed).torrent"
    try makeTorrent(of: content, at: file)
    let added = try ChildProcess.run(prefix + "/sbin/slugctl", ["torrent", "add", file, "--db", database])
    guard added.status == 0, let id = Int64(added.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      throw SetupFailure("slugctl torrent add failed: \(added.output)")
    }
    try FileManager.default.copyItem(atPath: file, toPath: queuedFile(id))
    return id
  }

  func makeTorrent(of content: String, at file: String) throws {
    let made = try ChildProcess.run(
      "/usr/bin/ctorrent", ["-t", "-u", "http://127.0.0.1:9/announce", "-s", file, content])
    guard made.status == 0 else { throw SetupFailure("ctorrent -t failed: \(made.output)") }
  }

  /// A ctorrent reporting to in.ctcs, listening on a port of its own.
  func ctorrent(torrent: String, saveAs: String, password: String? = nil) throws -> ChildProcess {
    let arguments = [
      "-S", "127.0.0.1:\(port)" + (password == nil ? "" : ":"), "-i", "127.0.0.1", "-p", "\(try FreePort.tcp())",
      "-e", "1", "-s", saveAs, torrent,
    ]
    let client: ChildProcess
    if let password {
      // The password on stdin; stop() ends sh and the ctorrent it runs (a descendant).
      client = try ChildProcess(
        "/bin/sh", ["-c", "printf '%s\\n' \"$0\" | exec /usr/bin/ctorrent \"$@\"", password] + arguments,
        outputPath: directory.path + "/ctorrent.log")
    } else {
      client = try ChildProcess("/usr/bin/ctorrent", arguments, outputPath: directory.path + "/ctorrent.log")
    }
    clients.append(client)
    return client
  }

  /// Polls the store (every 100 ms, 20 s at most) until `check` returns a value.
  func waitFor<T>(_ what: String, _ check: (Store) throws -> T?) throws -> T {
    for _ in 0..<200 {
      if let found = try check(try store()) { return found }
      usleep(100_000)
    }
    let torrents = ((try? store().torrents()) ?? []).map {
      "\($0.id) \($0.name) \($0.state) peer \($0.status.peerID) limits \($0.status.downloadLimit),\($0.status.uploadLimit)"
    }
    let log = (try? String(contentsOfFile: directory.path + "/ctorrent.log", encoding: .utf8)) ?? ""
    XCTFail("waited 20 s for \(what); the store has \(torrents); ctorrent said:\n\(log.suffix(3000))")
    throw SetupFailure("gave up waiting for \(what)")
  }

  /// Runs `script` with /usr/bin/python3, PORT replaced by the service port; returns stdout.
  func python(_ script: String) throws -> String {
    let result = try ChildProcess.run("/usr/bin/python3", ["-c", script.replacingOccurrences(of: "PORT", with: "\(port)")])
    return result.output
  }

  static func randomData(size: Int, seed: UInt64) -> Data {
    var generator = SplitMix64(seed: seed)
    var bytes = [UInt8](repeating: 0, count: size)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
    return Data(bytes)
  }
}
