import Foundation
import Glibc
import Runtime
import Store
import TestSupport
import XCTest

/// Issue 18's "forged chat", and the same against in.ctcs: a process on the box that is not a
/// reader of the store (one running as the daemons' own user without their group, one running
/// as nobody, as an in.www CGI program once did) connects to the abstract sockets of the
/// daemons' mesh and says what a member would say. Nothing it says is acted on, nothing a
/// member says reaches it, and the daemon logs the refusal. The daemons run from the lines
/// `slugctl inetd generate` writes, unedited, as the users those lines name.
final class MeshTrustTests: XCTestCase {
  func testAProcessWithoutTheStoresKeyCanNeitherForgeAChatNorReadOne() throws {
    let box = try MeshBox(service: "jabberd", arguments: ["--domain", "localhost"])
    addTeardownBlock { box.stop() }
    for (name, password) in [("alice", "a1"), ("bob", "b1")] {
      try box.slugctl("jabber", "adduser", name, "--password", password)
    }
    let forged: [String] = [
      // bob, available with priority 100: the session a message to bob's bare JID goes to.
      "hello\nbob\nforged\n1\n1\n100\n<presence><priority>100</priority></presence>",
      "stanza\n<message to='alice@localhost' type='chat'><body>forged by a stranger</body></message>",
    ]
    var attackers: [MeshBox.Attacker] = []
    let client = JabberClientScript(port: box.port, directory: box.directory.path)
    let go = box.directory.path + "/go"
    let report = try client.whileReady(["pair", "alice:a1", "bob:b1", go, "private to bob"]) {
      attackers = try [box.attack(as: box.daemonUser, messages: forged), box.attack(as: "nobody", messages: forged)]
      XCTAssertTrue(FileManager.default.createFile(atPath: go, contents: nil))
    }
    let sameUser = try attackers[0].finish()
    let nobody = try attackers[1].finish()

    XCTAssertEqual(sameUser.names, 2, "alice's and bob's sessions were there to attack: \(sameUser)")
    XCTAssertEqual(report["alice"] as? [[String]], [], "alice received nothing forged: \(report)")
    XCTAssertEqual(report["bob"] as? [[String]], [["alice@localhost/test", "private to bob"]], "\(report)")
    for attacker in [sameUser, nobody] {
      XCTAssertTrue(attacker.heardOnlyHandshakes, "a stranger heard: \(attacker.received)")
    }
    try box.expectLogged("mesh: refused a peer (pid \(sameUser.pid), uid \(sameUser.uid)): it did not prove the store's key")
  }

  func testATorrentCommandFromAProcessWithoutTheStoresKeyIsNotActedOn() throws {
    try PrivateInetd.require(["/usr/bin/ctorrent": "ctorrent"])
    let box = try MeshBox(service: "ctcs", arguments: ["--status-interval", "1"])
    addTeardownBlock { box.stop() }
    try Store(path: box.database).setSetting(SettingKey.torrentMaxActive, "0")
    let content = box.directory.path + "/content.bin"
    try Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: content))
    let metainfo = box.directory.path + "/content.torrent"
    let made = try ChildProcess.run("/usr/bin/ctorrent", ["-t", "-u", "http://127.0.0.1:9/announce", "-s", metainfo, content])
    XCTAssertEqual(made.status, 0, made.output)
    let added = try ChildProcess.run(box.prefix + "/sbin/slugctl", ["torrent", "add", metainfo, "--db", box.database])
    let id = try XCTUnwrap(Int64(added.output.trimmingCharacters(in: .whitespacesAndNewlines)), added.output)
    // Named as the queue runner names it, so in.ctcs knows it as torrent ID.
    let queued = box.directory.path + "/\(id).torrent"
    try FileManager.default.copyItem(atPath: metainfo, toPath: queued)
    let client = try ChildProcess(
      "/usr/bin/ctorrent",
      ["-S", "127.0.0.1:\(box.port)", "-i", "127.0.0.1", "-p", "\(try FreePort.tcp())", "-e", "1", "-s",
       box.directory.path + "/download", queued],
      outputPath: box.directory.path + "/ctorrent.log")
    addTeardownBlock { client.stop() }
    try box.waitFor("ctorrent's options with pause off") { store in
      try store.torrentOptions(id: id).contains { $0.name == "pause" && $0.value == "0" }
    }

    let commands = ["\(id) pause", "\(id) quit"]
    let sameUser = try box.attack(as: box.daemonUser, messages: commands).finish()
    let nobody = try box.attack(as: "nobody", messages: commands).finish()
    XCTAssertEqual(sameUser.names, 1, "the in.ctcs serving the torrent was there to attack: \(sameUser)")
    for attacker in [sameUser, nobody] {
      XCTAssertTrue(attacker.heardOnlyHandshakes, "a stranger heard: \(attacker.received)")
    }
    // Acted on, a pause shows in the store at once (in.ctcs records the state) and in
    // ctorrent's next options; a quit ends ctorrent. Nothing of it within 8 s.
    var acted: String?
    for _ in 0..<80 where acted == nil {
      let store = try Store(readingFrom: box.database)
      if try store.torrent(id: id)?.state == .paused { acted = "paused in the store" }
      if try store.torrentOptions(id: id).contains(where: { $0.name == "pause" && $0.value == "1" }) { acted = "ctorrent paused" }
      if !client.isRunning { acted = "ctorrent quit" }
      usleep(100_000)
    }
    XCTAssertNil(acted, "a command from a stranger was acted on")
    try box.expectLogged("mesh: refused a peer (pid \(sameUser.pid), uid \(sameUser.uid)): it did not prove the store's key")

    // What holds the key is heard: the same command from slugctl pauses it.
    try box.slugctl("torrent", "pause", "\(id)")
    try box.waitFor("ctorrent paused by slugctl") { store in
      try store.torrentOptions(id: id).contains { $0.name == "pause" && $0.value == "1" }
    }
  }
}

/// One service of slug installed under a private prefix, its store made by `slugctl init` as
/// root (root:slug 0660), served by openbsd-inetd on 127.0.0.1 from the generated line as the
/// user it names. inetd and the daemons run in a mount namespace of their own whose /dev holds
/// the few nodes they use and a log socket of ours, so their syslog lines can be read here
/// without touching the machine's /dev/log.
final class MeshBox {
  let directory: TemporaryDirectory
  let prefix: String
  let database: String
  let port: UInt16
  let service: String
  /// The user the generated line runs the daemon as.
  let daemonUser: String
  private let log: SyslogSocket
  private let superserver: ChildProcess

  init(service: String, arguments: [String]) throws {
    guard geteuid() == 0 else { throw SetupFailure("MeshBox needs root: the daemons run as their own users") }
    self.service = service
    try PrivateInetd.require(["/usr/bin/python3": "python3", "/usr/bin/unshare": "util-linux"])
    directory = try TemporaryDirectory()
    // mkdtemp makes it 0700; the daemons' users must pass through to the store and programs.
    chmod(directory.path, 0o711)
    prefix = directory.path + "/prefix"
    database = directory.path + "/store/slug.db"
    port = try FreePort.tcp()
    try PrivateInetd.install(prefix: prefix)
    let initialised = try ChildProcess.run(prefix + "/sbin/slugctl", ["init", "--db", database])
    guard initialised.status == 0 else { throw SetupFailure("slugctl init failed: \(initialised.output)") }

    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: service, port: port, database: database,
      arguments: arguments.isEmpty ? [] : [arguments.joined(separator: " ")])
    guard let line = lines.first(where: { $0.contains("/in.\(service) ") }),
      let identity = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(4).first
    else { throw SetupFailure("no line for in.\(service) in:\n\(lines.joined(separator: "\n"))") }
    daemonUser = String(identity.split(separator: ".").first ?? identity)

    (superserver, log) = try PrivateInetd.startWithPrivateLog(
      lines, in: directory.path, output: directory.path + "/inetd.trace", debug: true)
    let port = self.port
    var ready = false
    for _ in 0..<50 {
      ready = superserver.isRunning && LoopbackSocket.acceptsTCP(port: port)
      if ready || !superserver.isRunning { break }
      usleep(100_000)
    }
    guard ready else {
      superserver.stop()
      let said = (try? String(contentsOfFile: directory.path + "/inetd.trace", encoding: .utf8)) ?? ""
      throw SetupFailure("inetd did not become ready; it said:\n\(said.suffix(3000))")
    }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: port)
  }

  func slugctl(_ arguments: String...) throws {
    let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
  }

  /// Polls the store (every 100 ms, 20 s at most) until `check` holds.
  func waitFor(_ what: String, _ check: (Store) throws -> Bool) throws {
    for _ in 0..<200 {
      if try check(try Store(readingFrom: database)) { return }
      usleep(100_000)
    }
    let said = (try? String(contentsOfFile: directory.path + "/ctorrent.log", encoding: .utf8)) ?? ""
    throw SetupFailure(
      "gave up waiting 20 s for \(what); the daemons logged:\n\(log.lines().joined(separator: "\n"))\nctorrent said:\n\(said.suffix(2000))")
  }

  /// Waits up to 5 s for the daemons to log a line containing `text`.
  func expectLogged(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws {
    var seen: [String] = []
    for _ in 0..<50 {
      seen += log.lines()
      if seen.contains(where: { $0.contains(text) }) { return }
      usleep(100_000)
    }
    XCTFail("not logged: \(text); the log has:\n\(seen.joined(separator: "\n"))", file: file, line: line)
  }

  /// A process running as USER in group nogroup, with no other group (so it cannot read the
  /// store), that connects to every listening name of the service's mesh and sends MESSAGES
  /// on each; then collects for 3 s what arrives.
  func attack(as user: String, messages: [String]) throws -> Attacker {
    guard let entry = getpwnam(user) else { throw SetupFailure("no user \(user)") }
    let uid = entry.pointee.pw_uid
    let output = directory.path + "/attacker-\(user).out"
    let process = try ChildProcess(
      "/usr/bin/python3",
      ["-c", Attacker.script, PeerMesh.prefix(forStorePath: database, service: service), "\(uid)", "65534", "3",
       String(decoding: try JSONSerialization.data(withJSONObject: messages), as: UTF8.self)],
      outputPath: output)
    for _ in 0..<100 where !((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("SENT") {
      usleep(50_000)
    }
    return Attacker(process: process, output: output, uid: uid)
  }

  struct Attacker {
    let process: ChildProcess
    let output: String
    let uid: uid_t

    struct Report: CustomStringConvertible {
      var pid: Int
      var uid: uid_t
      var names: Int
      var received: [String]
      var description: String { "pid \(pid), \(names) names, received \(received)" }

      /// Nothing but a member's opening hello (the handshake's tag and a nonce) came.
      var heardOnlyHandshakes: Bool {
        received.allSatisfy { $0.hasPrefix("slug-mesh/1 ") && $0.utf8.count <= 12 + 32 * 2 }
      }
    }

    func finish() throws -> Report {
      for _ in 0..<100 where process.isRunning { usleep(100_000) }
      let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
      guard let line = text.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      else { throw SetupFailure("the attacker printed no report: \(text)") }
      return Report(
        pid: object["pid"] as? Int ?? -1, uid: uid, names: object["names"] as? Int ?? -1,
        received: object["received"] as? [String] ?? [])
    }

    /// PREFIX UID GID SECONDS MESSAGES-AS-JSON; prints SENT, then a JSON report.
    static let script = """
      import json, os, select, socket, sys, time
      prefix, uid, gid, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
      messages = [m.encode() for m in json.loads(sys.argv[5])]
      os.setgroups([]); os.setgid(gid); os.setuid(uid)
      names = []
      for line in open('/proc/net/unix').read().splitlines()[1:]:
          f = line.split()
          if len(f) == 8 and f[3] == '00010000' and f[4] == '0005' and f[7].startswith('@' + prefix) \\
                  and f[7][len(prefix) + 1:].isdigit():
              names.append(f[7][1:])
      connections, errors, received = [], [], []
      for name in names:
          s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
          try:
              s.connect(b'\\0' + name.encode())
              for m in messages:
                  s.send(m)
              connections.append(s)
          except OSError as e:
              errors.append(str(e))
      print('SENT', flush=True)
      end = time.time() + seconds
      while connections and time.time() < end:
          ready, _, _ = select.select(connections, [], [], 0.1)
          for s in ready:
              try:
                  data = s.recv(300000)
              except OSError:
                  data = b''
              if not data:
                  connections.remove(s)
                  continue
              received.append(data[:12].decode('latin-1') + data[12:].hex() if data.startswith(b'slug-mesh/1 ')
                              else data.decode('latin-1'))
      print(json.dumps({'pid': os.getpid(), 'names': len(names), 'errors': errors, 'received': received}), flush=True)
      """
  }
}

/// A Unix datagram socket at PATH that takes syslog lines (writable by every daemon user).
final class SyslogSocket {
  private let fd: Int32
  private let path: String

  init(path: String) throws {
    self.path = path
    fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard fd >= 0, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw SetupFailure("log socket \(path)") }
    withUnsafeMutableBytes(of: &address.sun_path) { for (offset, byte) in bytes.enumerated() { $0[offset] = byte } }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    var size: Int32 = 4 << 20
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    guard bound == 0, chmod(path, 0o666) == 0 else { throw SetupFailure("cannot bind the log socket \(path)") }
  }

  deinit {
    close(fd)
    unlink(path)
  }

  /// The lines that arrived since the last call.
  func lines() -> [String] {
    var lines: [String] = []
    var buffer = [UInt8](repeating: 0, count: 8192)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
      guard count > 0 else { return lines }
      lines.append(String(decoding: buffer[0..<count], as: UTF8.self))
    }
  }
}

/// jabber_client.py against a port, for a scenario that runs while the test does something.
struct JabberClientScript {
  let port: UInt16
  let directory: String

  /// Starts the scenario, waits for its READY, runs `body`, and returns its report.
  func whileReady(_ arguments: [String], _ body: () throws -> Void) throws -> [String: Any] {
    let output = directory + "/client.out"
    let errors = directory + "/client.err"
    let command = (["/usr/bin/python3", JabberServerUnderInetd.script, "\(port)", "localhost"] + arguments)
      .map { "'" + $0 + "'" }.joined(separator: " ")
    let client = try ChildProcess("/bin/sh", ["-c", "exec \(command) > \(output) 2> \(errors)"])
    defer { client.stop() }
    for _ in 0..<600 where !((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("READY") {
      guard client.isRunning else { break }
      usleep(50_000)
    }
    try body()
    for _ in 0..<300 where client.isRunning { usleep(50_000) }
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
      let said = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
      throw SetupFailure("jabber_client.py \(arguments) printed no report: \(text)\n\(said.suffix(2000))")
    }
    return object
  }
}
