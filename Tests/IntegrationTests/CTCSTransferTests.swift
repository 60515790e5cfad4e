import Foundation
import Store
import TestSupport
import XCTest

/// Real transfers: two Enhanced CTorrents swapping a file through a real tracker (Debian's
/// opentracker) on loopback, both reporting to in.ctcs under openbsd-inetd, which shares the
/// line between them; and the slow-torrent watch nudging a real ctorrent that gets nowhere.
/// The two ctorrents listen on different loopback addresses: on the same one, ctorrent takes
/// the other for itself.
final class CTCSTransferTests: XCTestCase {
  func testARealTransferThroughOpentrackerIsByteIdenticalAndKeepsToTheSharedUploadLine() throws {
    // Download line 8192 KB/s, upload line 2048 KB/s: the seeder's upload is what limits the
    // transfer.
    let line: Int64 = 2048 * 1024
    let downloadLine: Int64 = 8192 * 1024
    let server = try CTCSServerUnderInetd(limits: ["8192", "2048"])
    addTeardownBlock { server.stop() }
    let tracker = try Opentracker(in: server.directory.path + "/tracker")
    addTeardownBlock { tracker.stop() }

    let size = 8_000_000
    try FileManager.default.createDirectory(atPath: server.directory.path + "/seed", withIntermediateDirectories: true)
    let content = server.directory.path + "/seed/film.bin"
    let data = CTCSServerUnderInetd.randomData(size: size, seed: 21)
    try data.write(to: URL(fileURLWithPath: content))
    // The leecher's torrent is queued (in.ctcs knows it by ID.torrent); the seeder's is the same
    // content with a comment: the same info hash (one swarm), other metainfo, so in.ctcs adds it
    // to the store as a torrent of its own rather than taking it for the queued one.
    let leecherTorrent = server.directory.path + "/film.torrent"
    let seederTorrent = server.directory.path + "/seed/film.torrent"
    try server.makeTorrent(of: content, at: leecherTorrent, announce: tracker.announceURL)
    try server.makeTorrent(of: content, at: seederTorrent, announce: tracker.announceURL, comment: "the seeder's copy")
    let infoHash = try Opentracker.infoHash(of: leecherTorrent)
    XCTAssertEqual(try Opentracker.infoHash(of: seederTorrent), infoHash)
    try tracker.start(whitelist: [infoHash])

    let seeder = try server.peer(torrent: seederTorrent, saveAs: content, address: "127.0.0.2", log: "seeder.log")
    addTeardownBlock { seeder.stop() }
    let seeding = try server.waitFor("the seeder seeding with the whole upload line") { store in
      try store.torrents().first { $0.state == .seeding && $0.status.uploadLimit == line }
    }
    XCTAssertEqual(seeding.name, "film")

    let id = try server.queue(torrentFile: leecherTorrent)
    XCTAssertNotEqual(id, seeding.id)
    let download = server.directory.path + "/downloaded.bin"
    let started = Date()
    let leecher = try server.peer(torrent: server.queuedFile(id), saveAs: download, address: "127.0.0.3", log: "leecher.log")
    addTeardownBlock { leecher.stop() }

    // Until the leecher has every piece: the two torrents' figures as in.ctcs stored them.
    var samples: [(seconds: Double, leecher: Torrent, seeder: Torrent)] = []
    var finished: Double?
    while finished == nil && Date().timeIntervalSince(started) < 120 {
      let store = try server.store()
      if let mine = try store.torrent(id: id), let theirs = try store.torrent(id: seeding.id) {
        let seconds = Date().timeIntervalSince(started)
        samples.append((seconds, mine, theirs))
        if mine.status.piecesTotal > 0 && mine.status.piecesHave == mine.status.piecesTotal { finished = seconds }
      }
      usleep(100_000)
    }
    let elapsed = try XCTUnwrap(finished, "the leecher never completed; it said:\n\(server.log("leecher.log"))")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: download)), data, "byte-identical")

    let limits = samples.map { ($0.seeder.status.uploadLimit, $0.leecher.status.uploadLimit) }
    print(
      "8 MB through a 2048 KB/s upload line in \(String(format: "%.1f", elapsed)) s; upload limits (seeder, leecher) in KB/s: "
        + limits.map { "\($0.0 / 1024)/\($0.1 / 1024)" }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        .joined(separator: " "))
    // 8 MB at 2048 KB/s takes 3.7 s; unlimited on loopback it takes well under one.
    XCTAssertGreaterThanOrEqual(elapsed, 3.0, "faster than the upload line allows")
    // The leecher's reported download rate (ctorrent's average over its last seconds) never
    // runs far past the line.
    let fastest = samples.map(\.leecher.status.downloadRate).max() ?? 0
    XCTAssertGreaterThan(fastest, 0, "in.ctcs recorded the transfer's rate")
    XCTAssertLessThanOrEqual(fastest, line + line / 4, "the rate stayed near the line")
    // Neither torrent ever had more than the line; together they had more only for a moment
    // (each ctorrent reports its new limit on its own time).
    XCTAssertTrue(limits.allSatisfy { $0.0 <= line && $0.1 <= line }, "\(limits)")
    let over = samples.filter { $0.seeder.status.uploadLimit + $0.leecher.status.uploadLimit > line }
    print("the upload limits added up to more than the line for \(over.count) samples of 0.1 s")
    XCTAssertLessThanOrEqual(over.count, 25, "\(limits)")
    // Both had limits from the plan that together made up the line: split, not given to each.
    let running = samples.filter { $0.leecher.state == .running }
    XCTAssertTrue(
      running.contains { $0.leecher.status.uploadLimit > 0 && $0.seeder.status.uploadLimit > 0
        && $0.leecher.status.uploadLimit + $0.seeder.status.uploadLimit == line },
      "no moment with both upload limits adding up to the line: \(limits)")
    // The download line is shared among the torrents still downloading: the leecher alone.
    XCTAssertTrue(running.contains { $0.leecher.status.downloadLimit == downloadLine }, "\(samples.map(\.leecher.status.downloadLimit))")
    XCTAssertTrue(samples.allSatisfy { $0.leecher.status.downloadLimit <= downloadLine })
    // Once the seeder was uploading, the leecher's unused share was lent to it: nearly the
    // whole line (all but the leecher's 4 KiB/s room).
    XCTAssertTrue(
      running.contains { $0.seeder.status.uploadRate > 0 && $0.seeder.status.uploadLimit >= line - 8192 },
      "the seeder never had the line the leecher left unused: \(limits)")

    // Both complete: both seeding in the store, with the same piece count.
    let both = try server.waitFor("both torrents seeding") { store -> [Torrent]? in
      let torrents = try store.torrents()
      return torrents.count == 2 && torrents.allSatisfy { $0.state == .seeding } ? torrents : nil
    }
    XCTAssertEqual(Set(both.map(\.status.piecesHave)), [31], "8 MB in 256 KiB pieces")
    XCTAssertGreaterThanOrEqual(both.first { $0.id == id }?.status.downloaded ?? 0, Int64(size))

    leecher.stop()
    seeder.stop()
    tracker.stop()
    XCTAssertFalse(leecher.isRunning || seeder.isRunning || tracker.isRunning)
  }

  func testAStalledDownloadGetsUpdateThenRestartAfterTheStoresPatienceAndASeederIsLeftAlone() throws {
    let server = try CTCSServerUnderInetd()
    addTeardownBlock { server.stop() }
    // Three seconds instead of five minutes; the thresholds stay 5 and 2 KB/s.
    try server.slugctl("torrent", "settings", SettingKey.torrentSlowPatience, "3")
    // A tracker that knows no peers: the leecher stays at 0 B/s.
    let tracker = try RecordingTracker(directory: server.directory.path)
    addTeardownBlock { tracker.stop() }

    let wanted = server.directory.path + "/wanted.bin"
    try CTCSServerUnderInetd.randomData(size: 600_000, seed: 31).write(to: URL(fileURLWithPath: wanted))
    let wantedTorrent = server.directory.path + "/wanted.torrent"
    try server.makeTorrent(of: wanted, at: wantedTorrent, announce: tracker.announceURL)
    let id = try server.queue(torrentFile: wantedTorrent)
    let shared = server.directory.path + "/shared.bin"
    try CTCSServerUnderInetd.randomData(size: 600_000, seed: 32).write(to: URL(fileURLWithPath: shared))
    let sharedTorrent = server.directory.path + "/shared.torrent"
    try server.makeTorrent(of: shared, at: sharedTorrent, announce: tracker.announceURL)

    let seederPort = try FreePort.tcp()
    // -f: a seeder from the start, without the hash check (a ctorrent that announces while
    // checking may lose the answer and announce "started" again 15 s later).
    let seeder = try server.peer(
      torrent: sharedTorrent, saveAs: shared, address: "127.0.0.2", log: "seeder.log", port: seederPort, options: ["-f"])
    addTeardownBlock { seeder.stop() }
    let leecherPort = try FreePort.tcp()
    let leecher = try server.peer(
      torrent: server.queuedFile(id), saveAs: server.directory.path + "/never.bin", address: "127.0.0.3", log: "leecher.log",
      port: leecherPort)
    addTeardownBlock { leecher.stop() }
    let started = Date()

    // A tracker session: an announce with event "started" (or "stopped", ending one), then
    // re-announces without an event (what CTUPDATE brings about). ctorrent keeps 15 s between
    // announces, so several commands may end up in one.
    func newSessions(_ port: UInt16) -> Int {
      tracker.announces().filter { $0.port == port }.dropFirst().filter { $0.event == "started" || $0.event == "stopped" }.count
    }
    // Every message both torrents show, in order, until ctorrent acted on a restart.
    var leecherMessages: [(seconds: Double, text: String)] = []
    var seederMessages: [String] = []
    var seederID: Int64?
    while newSessions(leecherPort) == 0 && Date().timeIntervalSince(started) < 40 {
      let torrents = try server.store().torrents()
      if let mine = torrents.first(where: { $0.id == id }), leecherMessages.last?.text != mine.status.lastMessage {
        leecherMessages.append((Date().timeIntervalSince(started), mine.status.lastMessage))
      }
      if let theirs = torrents.first(where: { $0.id != id }) {
        seederID = theirs.id
        if seederMessages.last != theirs.status.lastMessage { seederMessages.append(theirs.status.lastMessage) }
      }
      usleep(100_000)
    }
    let announces = tracker.announces()
    let summary = """
      leecher \(leecherPort), seeder \(seederPort); leecher messages \(leecherMessages), seeder messages \(seederMessages); \
      announces (port, event, left, time):
      \((try? String(contentsOfFile: tracker.record, encoding: .utf8)) ?? "")
      """
    let update = try XCTUnwrap(leecherMessages.first { $0.text.contains("sent CTUPDATE") }, summary)
    let restart = try XCTUnwrap(leecherMessages.first { $0.text.contains("sent CTRESTART") }, summary)
    XCTAssertEqual(update.text, "in.ctcs: under 5120 B/s for 3 s; sent CTUPDATE (more peers)")
    XCTAssertEqual(restart.text, "in.ctcs: under 2048 B/s for 3 s after CTUPDATE; sent CTRESTART (a new tracker session)")
    XCTAssertGreaterThanOrEqual(update.seconds, 2.0, "not before the patience ran out: \(summary)")
    XCTAssertGreaterThanOrEqual(restart.seconds - update.seconds, 2.0, "a patience between update and restart: \(summary)")
    XCTAssertGreaterThan(newSessions(leecherPort), 0, "ctorrent started a new tracker session: \(summary)")
    XCTAssertTrue(leecher.isRunning, "a restart, not a quit")
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .running)

    // The seeder downloaded nothing all along (it has everything) and was never nudged.
    let seederTorrent = try XCTUnwrap(try seederID.flatMap { try server.store().torrent(id: $0) }, summary)
    XCTAssertEqual(seederTorrent.state, .seeding)
    XCTAssertFalse(seederMessages.contains { $0.hasPrefix("in.ctcs:") }, summary)
    XCTAssertEqual(announces.first { $0.port == seederPort }?.event, "started", "the seeder did announce: \(summary)")
    XCTAssertEqual(newSessions(seederPort), 0, summary)

    leecher.stop()
    seeder.stop()
    tracker.stop()
  }
}

extension CTCSServerUnderInetd {
  /// `ctorrent -t` announcing to `announce`; a comment changes the metainfo, not the info hash.
  func makeTorrent(of content: String, at file: String, announce: String, comment: String? = nil) throws {
    let made = try ChildProcess.run(
      "/usr/bin/ctorrent", ["-t", "-u", announce, "-s", file] + (comment.map { ["-c", $0] } ?? []) + [content])
    guard made.status == 0 else { throw SetupFailure("ctorrent -t failed: \(made.output)") }
  }

  /// Queues a .torrent with slugctl and puts it where the queue runner would; returns its id.
  func queue(torrentFile: String) throws -> Int64 {
    let added = try ChildProcess.run(prefix + "/sbin/slugctl", ["torrent", "add", torrentFile, "--db", database])
    guard added.status == 0, let id = Int64(added.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
      throw SetupFailure("slugctl torrent add failed: \(added.output)")
    }
    try FileManager.default.copyItem(atPath: torrentFile, toPath: queuedFile(id))
    return id
  }

  /// A ctorrent on loopback address `address`, reporting to in.ctcs, seeding for an hour once
  /// complete; its output in `log` in the test directory. The caller stops it.
  func peer(
    torrent: String, saveAs: String, address: String, log: String, port: UInt16? = nil, options: [String] = []
  ) throws -> ChildProcess {
    let listen = try port ?? FreePort.tcp()
    return try ChildProcess(
      "/usr/bin/ctorrent",
      ["-S", "127.0.0.1:\(self.port)", "-i", address, "-p", "\(listen)", "-e", "1", "-s", saveAs] + options + [torrent],
      outputPath: directory.path + "/" + log)
  }

  func log(_ name: String) -> String {
    String((((try? String(contentsOfFile: directory.path + "/" + name, encoding: .utf8)) ?? "").suffix(3000)))
  }
}

/// Debian's opentracker on 127.0.0.1 (TCP only), chrooted to a directory of its own holding its
/// whitelist (Debian builds it with WANT_ACCESSLIST_WHITE: it serves only listed info hashes;
/// the whitelist path resolves inside the chroot) and running as nobody (the tests run as root).
final class Opentracker {
  let root: String
  let port: UInt16
  private var process: ChildProcess?

  init(in root: String) throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/opentracker") else {
      throw SetupFailure("/usr/bin/opentracker is missing: apt-get install opentracker")
    }
    self.root = root
    port = try FreePort.tcp()
    try FileManager.default.createDirectory(
      atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
  }

  var announceURL: String { "http://127.0.0.1:\(port)/announce" }
  var isRunning: Bool { process?.isRunning ?? false }

  /// Writes the whitelist and starts the tracker; returns once it answers an announce for the
  /// first hash (a "stopped" one, which adds no peer).
  func start(whitelist: [String]) throws {
    try (whitelist.joined(separator: "\n") + "\n").write(toFile: root + "/whitelist", atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: root + "/whitelist")
    let started = try ChildProcess(
      "/usr/bin/opentracker", ["-i", "127.0.0.1", "-p", "\(port)", "-d", root, "-w", "/whitelist", "-u", "nobody"],
      outputPath: root + "/../opentracker.log")
    process = started
    let probe = """
      import sys, urllib.parse, urllib.request
      hash = bytes.fromhex(sys.argv[2])
      url = sys.argv[1] + '?info_hash=' + urllib.parse.quote(hash, safe='') + '&peer_id=-PROBE-0123456789abc&port=9&uploaded=0&downloaded=0&left=0&compact=1&event=stopped'
      body = urllib.request.urlopen(url, timeout=2).read()
      sys.exit(1 if b'failure' in body else 0)
      """
    for _ in 0..<50 {
      guard started.isRunning else { break }
      if LoopbackSocket.acceptsTCP(port: port),
        try ChildProcess.run("/usr/bin/python3", ["-c", probe, announceURL, whitelist[0]]).status == 0
      {
        return
      }
      usleep(100_000)
    }
    let log = (try? String(contentsOfFile: root + "/../opentracker.log", encoding: .utf8)) ?? ""
    started.stop()
    throw SetupFailure("opentracker did not serve the whitelisted hash on port \(port); it said:\n\(log)")
  }

  func stop() { process?.stop() }

  /// The SHA-1 of the bencoded `info` value, in hex, as the whitelist wants it.
  static func infoHash(of torrentFile: String) throws -> String {
    let script = """
      import hashlib, sys
      d = open(sys.argv[1], 'rb').read()
      def end(i):
          c = d[i:i+1]
          if c == b'i': return d.index(b'e', i) + 1
          if c in (b'l', b'd'):
              i += 1
              while d[i:i+1] != b'e': i = end(i)
              return i + 1
          colon = d.index(b':', i)
          return colon + 1 + int(d[i:colon])
      i = 1
      while d[i:i+1] != b'e':
          key_end = end(i)
          value_end = end(key_end)
          if d[d.index(b':', i) + 1:key_end] == b'info':
              print(hashlib.sha1(d[key_end:value_end]).hexdigest())
              break
          i = value_end
      """
    let result = try ChildProcess.run("/usr/bin/python3", ["-c", script, torrentFile])
    let hash = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    guard result.status == 0, hash.count == 40 else { throw SetupFailure("no info hash in \(torrentFile): \(result.output)") }
    return hash
  }
}

/// A tracker that knows no peers and notes every announce (the announcing port and its event)
/// in a file: what a real ctorrent did with CTUPDATE and CTRESTART shows there.
final class RecordingTracker {
  let port: UInt16
  let record: String
  private let process: ChildProcess

  init(directory: String) throws {
    port = try FreePort.tcp()
    record = directory + "/announces.log"
    let script = """
      import http.server, sys, time, urllib.parse
      class Tracker(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
              with open(sys.argv[2], 'a') as record:
                  record.write('%s %s %s %.1f\\n' % (query.get('port', ['0'])[0], query.get('event', ['-'])[0], query.get('left', ['?'])[0], time.time()))
              body = b'd8:intervali1800e5:peers0:e'
              self.send_response(200)
              self.send_header('Content-Length', str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def log_message(self, *arguments):
              pass
      http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Tracker).serve_forever()
      """
    process = try ChildProcess("/usr/bin/python3", ["-c", script, "\(port)", record], outputPath: directory + "/tracker.log")
    for _ in 0..<50 where !LoopbackSocket.acceptsTCP(port: port) {
      guard process.isRunning else { break }
      usleep(100_000)
    }
    guard LoopbackSocket.acceptsTCP(port: port) else {
      process.stop()
      throw SetupFailure("the recording tracker did not listen on port \(port)")
    }
  }

  var announceURL: String { "http://127.0.0.1:\(port)/announce" }

  func announces() -> [(port: UInt16, event: String)] {
    let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { line in
      let words = line.split(separator: " ")
      guard words.count == 4, let port = UInt16(words[0]) else { return nil }
      return (port, String(words[1]))
    }
  }

  func stop() { process.stop() }
}
