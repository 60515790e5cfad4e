import Foundation
import Store
import TestSupport
import XCTest

/// in.jabberd installed by `slugctl install`, started by a real openbsd-inetd from the line the
/// installed slugctl generates, with users from `slugctl jabber adduser`; real clients:
/// python3-slixmpp (SCRAM) driven by jabber_client.py, and sendxmpp (SASL PLAIN, and
/// jabber:iq:auth with a digest against a stream without version).
final class JabberUnderInetdTests: XCTestCase {
  func testTwoUsersLogInWithSCRAMSeeEachOthersPresenceAndExchangeMessages() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "wonder&land", "bob": "builder"])
    addTeardownBlock { server.stop() }
    let report = try server.client("group", "alice:wonder&land", "bob:builder")
    XCTAssertEqual(report["all_seen"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["all_received"] as? Bool, true, "\(report)")
    let clients = try XCTUnwrap(report["clients"] as? [String: [String: Any]])
    XCTAssertEqual(clients["alice"]?["mechanism"] as? String, "SCRAM-SHA-256")
    XCTAssertEqual(clients["alice"]?["roster"] as? [String], ["bob@localhost"])
    XCTAssertEqual(clients["bob"]?["roster"] as? [String], ["alice@localhost"])
    XCTAssertEqual(clients["alice"]?["statuses"] as? [String], ["status of bob"])
    XCTAssertEqual(clients["bob"]?["statuses"] as? [String], ["status of alice"])
    let bobsMessages = try XCTUnwrap(clients["bob"]?["messages"] as? [[String]])
    XCTAssertEqual(bobsMessages, [["alice@localhost/test", "hello bob from alice"]])
    let alicesMessages = try XCTUnwrap(clients["alice"]?["messages"] as? [[String]])
    XCTAssertEqual(alicesMessages, [["bob@localhost/test", "hello alice from bob"]])
  }

  func testTwentyUsersAllSeeEachOtherAndEveryMessageArrives() throws {
    var users: [String: String] = [:]
    for index in 1...20 { users["user\(index)"] = "pw\(index)" }
    let server = try JabberServerUnderInetd(users: users)
    addTeardownBlock { server.stop() }
    let report = try server.client(["group"] + users.keys.sorted().map { "\($0):\(users[$0]!)" })
    XCTAssertEqual(report["all_seen"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["all_received"] as? Bool, true, "\(report)")
    let clients = try XCTUnwrap(report["clients"] as? [String: [String: Any]])
    XCTAssertEqual(clients.count, 20)
    for (user, seen) in clients {
      XCTAssertEqual((seen["roster"] as? [String])?.count, 19, user)
      XCTAssertEqual((seen["statuses"] as? [String])?.count, 19, user)
      XCTAssertEqual((seen["messages"] as? [[String]])?.count, 1, user)
    }
  }

  func testMessageToAnOfflineUserArrivesAtTheirNextLoginWithItsDelay() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "carol": "c1"])
    addTeardownBlock { server.stop() }
    let sent = try server.client("send", "alice:a1", "carol", "while you were out & about")
    XCTAssertEqual(sent["sent"] as? Bool, true, "\(sent)")
    let received = try server.client("receive", "carol:c1", "5")
    let messages = try XCTUnwrap(received["messages"] as? [[String: Any]], "\(received)")
    XCTAssertEqual(messages.count, 1, "\(received)")
    XCTAssertEqual(messages.first?["body"] as? String, "while you were out & about")
    XCTAssertEqual(messages.first?["from"] as? String, "alice@localhost/test")
    XCTAssertNotNil(messages.first?["delay"] as? String, "XEP-0203 stamp: \(received)")
    let again = try server.client("receive", "carol:c1", "1")
    XCTAssertEqual((again["messages"] as? [Any])?.count, 0, "delivered once: \(again)")
  }

  func testWrongPasswordAndUnknownUserAreRefused() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "right"])
    addTeardownBlock { server.stop() }
    XCTAssertEqual(try server.client("attempt", "alice:wrong")["result"] as? String, "refused")
    XCTAssertEqual(try server.client("attempt", "mallory:right")["result"] as? String, "refused")
    XCTAssertEqual(try server.client("attempt", "alice:right")["result"] as? String, "ok")
  }

  func testKilledProcessIsShownUnavailableAtOnce() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let report = try server.client("kill", "alice:a1", "bob:b1")
    XCTAssertEqual(report["seen_before"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["command"] as? String, "in.jabberd", "\(report)")
    XCTAssertEqual(report["gone"] as? Bool, true, "\(report)")
    let seconds = try XCTUnwrap(report["seconds"] as? Double, "\(report)")
    XCTAssertLessThan(seconds, 2.0)
  }

  func testSlugctlAddingAndRemovingUsersPushesTheRosterToOnlineClients() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let added = try server.whileReady(["pushes", "alice:a1", "10"]) {
      try server.slugctl("jabber", "adduser", "dave", "--password", "d1")
    }
    XCTAssertEqual(added["before"] as? [String], ["bob@localhost"], "\(added)")
    XCTAssertEqual(added["after"] as? [String], ["bob@localhost", "dave@localhost"], "\(added)")
    let removed = try server.whileReady(["pushes", "alice:a1", "10"]) {
      try server.slugctl("jabber", "deluser", "bob")
    }
    XCTAssertEqual(removed["after"] as? [String], ["dave@localhost"], "\(removed)")
  }

  func testSendxmppDeliversWithSASLPlain() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"])
    addTeardownBlock { server.stop() }
    let received = try server.withListener("bob:b1") {
      try server.sendxmpp(user: "alice", password: "a1", to: "bob@localhost", message: "plain & simple")
    }
    let messages = try XCTUnwrap(received["messages"] as? [[String: Any]], "\(received)")
    XCTAssertEqual(messages.first?["body"] as? String, "plain & simple", "\(received)")
    XCTAssertEqual((messages.first?["from"] as? String)?.hasPrefix("alice@localhost/"), true, "\(received)")
    let bad = try server.sendxmpp(user: "alice", password: "wrong", to: "bob@localhost", message: "x", expectFailure: true)
    XCTAssertNotEqual(bad.status, 0, bad.output)
  }

  /// alice's password is kept only hashed: the digest is not offered her, and sendxmpp logs in
  /// with the jabber:iq:auth plaintext password, checked by deriving. bob is a legacy account
  /// (`adduser --legacy`): his digest login works, alice's does not.
  func testSendxmppUsesLegacyAuthAgainstAStreamWithoutVersionAndOnlyALegacyAccountHasTheDigest() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"], legacy: ["bob"], extraArguments: ["--legacy"])
    addTeardownBlock { server.stop() }
    // bob is offline: the message waits in the store for his legacy login (a raw socket client:
    // slixmpp's jabber:iq:auth is broken, and a --legacy stream offers no SASL).
    try server.sendxmpp(user: "alice", password: "a1", to: "bob@localhost", message: "old school")
    let bad = try server.sendxmpp(user: "alice", password: "nope", to: "bob@localhost", message: "x", expectFailure: true)
    XCTAssertNotEqual(bad.status, 0, bad.output)
    let received = try server.legacyReceive("bob:b1")
    XCTAssertEqual(received["authenticated"] as? Bool, true, "\(received)")
    XCTAssertEqual((received["messages"] as? [[String: Any]])?.compactMap { $0["body"] as? String }, ["old school"])
    let refused = try server.legacyReceive("alice:a1")
    XCTAssertEqual(refused["authenticated"] as? Bool, false, "a digest for an account kept hashed: \(refused)")
  }

  /// The store keeps no password (slugctl adduser hashes it): slixmpp logs in with either
  /// SCRAM, PLAIN is checked by deriving, and the password is nowhere in the store's files.
  func testHashedAccountsLogInWithSCRAMSHA1AndSCRAMSHA256AndPlain() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "Wonder-Land-42"])
    addTeardownBlock { server.stop() }
    for mechanism in ["SCRAM-SHA-1", "SCRAM-SHA-256"] {
      let report = try server.client("attempt", "alice:Wonder-Land-42", mechanism)
      XCTAssertEqual(report["result"] as? String, "ok", "\(mechanism): \(report)")
      XCTAssertEqual(report["mechanism"] as? String, mechanism, "\(report)")
    }
    XCTAssertEqual(try server.plainAttempts(["alice:Wonder-Land-42"]).map(\.result), ["ok"])
    for suffix in ["", "-wal", "-shm"] {
      let bytes = FileManager.default.contents(atPath: server.database + suffix) ?? Data()
      XCTAssertNil(bytes.range(of: Data("Wonder-Land-42".utf8)), "the password is in slug.db\(suffix)")
    }
  }

  /// Issue 18: 100 wrong passwords went through in 10 s and the right one was accepted at once.
  /// Now each failure from an address doubles the wait before its next attempt is answered
  /// (here from 5 ms, capped at 320 ms, set in the store; the defaults are 1 s and 60 s), across
  /// the processes inetd starts; another address is not slowed, and a success clears the
  /// address.
  func testTwentyWrongPasswordsWaitLongerAndLongerWhileAnotherAddressLogsInAtOnce() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "right"])
    addTeardownBlock { server.stop() }
    try server.setting(SettingKey.loginDelay, "5")
    try server.setting(SettingKey.loginDelayMaximum, "320")
    let started = Date()
    let wrong = try server.plainAttempts(Array(repeating: "alice:wrong", count: 20))
    let total = Date().timeIntervalSince(started)
    XCTAssertEqual(wrong.map(\.result), Array(repeating: "refused", count: 20))
    // Before attempt n (n >= 2): 5 ms × 2^(n-2), at most 320 ms; the gap between one answer and
    // the next connection's attempt counts against it.
    let expected = (1...20).map { $0 == 1 ? 0.0 : min(0.005 * pow(2, Double($0 - 2)), 0.320) }
    for (index, attempt) in wrong.enumerated() {
      if expected[index] >= 0.08 {
        XCTAssertGreaterThan(attempt.seconds, expected[index] - 0.05, "attempt \(index + 1): \(wrong)")
      }
      XCTAssertLessThan(attempt.seconds, expected[index] + 1.0, "attempt \(index + 1): \(wrong)")
    }
    let waited = wrong.map(\.seconds).reduce(0, +)
    XCTAssertGreaterThan(waited, expected.reduce(0, +) - 0.5, "\(wrong)")
    XCTAssertGreaterThan(total, 3.5)
    // One more failure under a 3 s cap: 127.0.0.1's next attempt waits 3 s, clearly apart from
    // the time a login takes.
    try server.setting(SettingKey.loginDelayMaximum, "3000")
    XCTAssertEqual(try server.plainAttempts(["alice:wrong"]).map(\.result), ["refused"])
    let elsewhere = try server.plainAttempts(["alice:right"], from: "127.0.0.2")
    XCTAssertEqual(elsewhere.map(\.result), ["ok"])
    XCTAssertLessThan(elsewhere[0].seconds, 1.0, "another address is not slowed")
    let here = try server.plainAttempts(["alice:right", "alice:wrong"])
    XCTAssertEqual(here.map(\.result), ["ok", "refused"])
    XCTAssertGreaterThan(here[0].seconds, 2.0, "the right password waits its turn too")
    XCTAssertLessThan(here[1].seconds, 0.5, "the success cleared the address")
  }
}

/// One openbsd-inetd on 127.0.0.1 running the installed in.jabberd, with a store of users.
final class JabberServerUnderInetd {
  let directory: TemporaryDirectory
  let prefix: String
  let database: String
  let port: UInt16
  let trace: String
  let superserver: ChildProcess
  /// With `tls`: the certificate (tls/ beside the store) and the xmpps line's port.
  let fixture: TLSFixture?
  let tlsPort: UInt16
  /// VAR=VALUE for jabber_client.py (SLUG_XMPP_TLS, SLUG_XMPP_CA).
  var clientEnvironment: [String] = []
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/jabber_client.py"

  /// `binds`: the generated lines' `--bind` addresses. `tls`: a certificate in the store's TLS
  /// directory, readable by in.jabberd's user, and the generated xmpps line (direct TLS) too.
  init(
    users: [String: String], legacy: Set<String> = [], extraArguments: [String] = [], binds: [String] = ["127.0.0.1"],
    tls: Bool = false
  ) throws {
    try PrivateInetd.require(["/usr/bin/python3": "python3", "/usr/bin/sendxmpp": "sendxmpp"])
    guard try ChildProcess.run("/usr/bin/python3", ["-c", "import slixmpp"]).status == 0 else {
      throw SetupFailure("slixmpp is missing for /usr/bin/python3: apt-get install python3-slixmpp")
    }
    directory = try TemporaryDirectory()
    prefix = directory.path + "/prefix"
    database = directory.path + "/slug.db"
    trace = directory.path + "/inetd.trace"
    port = try FreePort.tcp()
    tlsPort = tls ? try FreePort.tcp() : 0

    try PrivateInetd.install(prefix: prefix)
    try JabberServerUnderInetd.slugctl(prefix: prefix, database: database, ["init"])
    for (name, password) in users {
      try JabberServerUnderInetd.slugctl(
        prefix: prefix, database: database,
        ["jabber", "adduser", name, "--password", password] + (legacy.contains(name) ? ["--legacy"] : []))
    }
    var lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: "jabberd", port: port, database: database, binds: binds,
      arguments: ["--domain", "localhost"] + extraArguments)
    if tls {
      let made = try TLSFixture(in: directory.path + "/tls")
      try PrivateInetd.give([made.directory, made.keyPath, made.directory + "/tickets.key"], to: "slug-jabberd")
      fixture = made
      lines += try PrivateInetd.generatedLines(
        prefix: prefix, service: "xmpps", port: tlsPort, database: database, binds: binds,
        arguments: ["--domain", "localhost"] + extraArguments)
    } else {
      fixture = nil
    }
    let port = self.port
    superserver = try PrivateInetd.start(lines, in: directory.path, output: trace) { LoopbackSocket.acceptsTCP(port: port) }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: port)
    if tlsPort != 0 { SlotSets.removeAll(port: tlsPort) }
  }

  func slugctl(_ arguments: String...) throws {
    try JabberServerUnderInetd.slugctl(prefix: prefix, database: database, arguments)
  }

  private static func slugctl(prefix: String, database: String, _ arguments: [String]) throws {
    let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
  }

  /// A store setting, as root sets one.
  func setting(_ key: String, _ value: String) throws {
    try Store(path: database).setSetting(key, value)
  }

  /// SASL PLAIN logins over raw sockets, one connection each, in order, from `source`: each
  /// one's outcome and the time from sending `<auth>` to the answer.
  func plainAttempts(_ credentials: [String], from source: String = "127.0.0.1") throws -> [(result: String, seconds: Double)] {
    let script = """
      import base64, json, socket, sys, time
      out = []
      for text in json.loads(sys.argv[1]):
          user, _, password = text.partition(':')
          s = socket.socket()
          s.bind((sys.argv[2], 0))
          s.settimeout(120)
          s.connect(('127.0.0.1', \(port)))
          s.sendall(b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
          data = b''
          while b'</stream:features>' not in data:
              chunk = s.recv(4096)
              if not chunk: break
              data += chunk
          token = base64.b64encode(b'\\0' + user.encode() + b'\\0' + password.encode()).decode()
          started = time.monotonic()
          s.sendall(("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" % token).encode())
          data = b''
          while b'<success' not in data and b'<failure' not in data:
              chunk = s.recv(4096)
              if not chunk: break
              data += chunk
          out.append({'result': 'ok' if b'<success' in data else 'refused', 'seconds': time.monotonic() - started})
          s.close()
      print(json.dumps(out))
      """
    let credentialsJSON = String(decoding: try JSONSerialization.data(withJSONObject: credentials), as: UTF8.self)
    let result = try ChildProcess.run("/usr/bin/python3", ["-c", script, credentialsJSON, source])
    guard let list = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] else {
      throw SetupFailure("PLAIN client printed no report: \(result.output)")
    }
    return list.map { ($0["result"] as? String ?? "", $0["seconds"] as? Double ?? -1) }
  }

  /// Runs a jabber_client.py scenario; its JSON report.
  func client(_ arguments: String...) throws -> [String: Any] { try client(arguments) }

  func client(_ arguments: [String], port: UInt16? = nil) throws -> [String: Any] {
    let result = try ChildProcess.run(
      "/usr/bin/env",
      clientEnvironment + ["/usr/bin/python3", JabberServerUnderInetd.script, "\(port ?? self.port)", "localhost"] + arguments)
    guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { throw SetupFailure("jabber_client.py \(arguments) printed no report: \(result.output)") }
    return object
  }

  /// `receiver` logged in with slixmpp while `body` runs; what it received.
  func withListener(_ receiver: String, _ body: () throws -> Void) throws -> [String: Any] {
    try whileReady(["listen", receiver, "10"], body)
  }

  /// Starts a jabber_client.py scenario that says READY, runs `body` then, and returns the
  /// scenario's report.
  func whileReady(_ arguments: [String], _ body: () throws -> Void) throws -> [String: Any] {
    let output = directory.path + "/listener.out"
    let errors = directory.path + "/listener.err"
    let command = (["/usr/bin/env"] + clientEnvironment + ["/usr/bin/python3", JabberServerUnderInetd.script, "\(port)", "localhost"] + arguments)
      .map { "'" + $0 + "'" }.joined(separator: " ")
    let listener = try ChildProcess(
      "/bin/sh", ["-c", "exec \(command) > \(output) 2> \(errors)"], outputPath: directory.path + "/listener.sh.out")
    defer { listener.stop() }
    for _ in 0..<300 where !((try? String(contentsOfFile: errors, encoding: .utf8)) ?? "").contains("READY") {
      usleep(50_000)
    }
    try body()
    for _ in 0..<300 where listener.isRunning { usleep(50_000) }
    let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
      throw SetupFailure("listener printed no report: \(text)")
    }
    return object
  }

  /// Logs in with jabber:iq:auth digest over a raw socket (as an old client) and collects the
  /// messages that arrive within 3 s (offline ones included).
  func legacyReceive(_ receiver: String) throws -> [String: Any] {
    let parts = receiver.split(separator: ":", maxSplits: 1).map(String.init)
    let script = """
      import hashlib, json, re, socket, time
      s = socket.create_connection(('127.0.0.1', \(port)), timeout=5)
      s.sendall(b"<stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
      data = b''
      while b'id=' not in data: data += s.recv(4096)
      sid = re.search(rb"id='([^']+)'", data).group(1)
      digest = hashlib.sha1(sid + b'\(parts[1])').hexdigest()
      s.sendall(("<iq type='set' id='a'><query xmlns='jabber:iq:auth'><username>\(parts[0])</username><digest>%s</digest><resource>old</resource></query></iq><presence/>" % digest).encode())
      end = time.time() + 3
      s.settimeout(0.2)
      while time.time() < end:
          try:
              chunk = s.recv(65536)
              if not chunk: break
              data += chunk
          except socket.timeout:
              pass
      bodies = [b.decode() for b in re.findall(rb'<body>([^<]*)</body>', data)]
      print(json.dumps({'messages': [{'body': b} for b in bodies], 'authenticated': b"type='result' id='a'" in data}))
      """
    let result = try ChildProcess.run("/usr/bin/python3", ["-c", script])
    guard let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
      throw SetupFailure("legacy client printed no report: \(result.output)")
    }
    return object
  }

  @discardableResult
  func sendxmpp(
    user: String, password: String, to recipient: String, message: String, expectFailure: Bool = false,
    options: [String] = [], port: UInt16? = nil
  ) throws -> (status: Int32, output: String) {
    let configuration = directory.path + "/sendxmpprc"
    try "".write(toFile: configuration, atomically: true, encoding: .utf8)
    chmod(configuration, 0o600)
    let messageFile = directory.path + "/message.txt"
    try message.write(toFile: messageFile, atomically: true, encoding: .utf8)
    let result = try ChildProcess.run(
      "/usr/bin/sendxmpp",
      ["-f", configuration, "-u", user, "-p", password, "-j", "localhost:\(port ?? self.port)", "-m", messageFile]
        + options + [recipient])
    if !expectFailure, result.status != 0 { throw SetupFailure("sendxmpp failed: \(result.output)") }
    return (result.status, result.output)
  }
}
