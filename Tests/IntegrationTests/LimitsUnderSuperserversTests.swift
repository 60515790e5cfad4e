import Foundation
import Runtime
import TestSupport
import XCTest

/// 3,000 requests without keep-alive, 20 at a time from one address, through the lines
/// `slugctl inetd generate` writes for in.www and for in.proxy (whose origin is in.www from its
/// generated line, so every request through the proxy is a new connection to in.www as well):
/// none may fail. inetd's old `nowait.600` turned in.www off for the rest of the minute at its
/// 600th connection, and xinetd's default `cps = 50 10` for 10 s past 50 a second, both with
/// a bare reset.
final class LimitsUnderSuperserversTests: XCTestCase {
  func testThreeThousandRequestsThroughTheGeneratedWWWAndProxyLinesUnderInetdAllSucceed() throws {
    let box = try GeneratedPair(format: "inetd")
    addTeardownBlock { box.stop() }
    try box.expectThreeThousandRequestsSucceed()
  }

  func testThreeThousandRequestsThroughTheGeneratedWWWAndProxyStanzasUnderXinetdAllSucceed() throws {
    let box = try GeneratedPair(format: "xinetd")
    addTeardownBlock { box.stop() }
    try box.expectThreeThousandRequestsSucceed()
  }
}

/// in.www and in.proxy installed under a private prefix and run by openbsd-inetd or xinetd from
/// what `slugctl inetd generate --services www,proxy` writes, given with `--args` in.www's
/// document root (the generated line names none, so it serves /var/www) and in.proxy's
/// `--allow-destination` for its origin, which is on loopback.
final class GeneratedPair {
  let directory: TemporaryDirectory
  let www: UInt16
  let proxy: UInt16
  let superserver: ChildProcess

  init(format: String) throws {
    try PrivateInetd.require(["/usr/bin/ab": "apache2-utils"])
    directory = try TemporaryDirectory()
    www = try FreePort.tcp()
    proxy = try FreePort.tcp()
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    let root = directory.path + "/root"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try String(repeating: "slug\n", count: 200).write(toFile: root + "/page.html", atomically: true, encoding: .utf8)
    let generated = try ChildProcess.run(
      prefix + "/sbin/slugctl",
      ["inetd", "generate", "--format", format, "--prefix", prefix, "--bind", "127.0.0.1",
       "--port", "www=\(www)", "--port", "proxy=\(proxy)", "--services", "www,proxy",
       "--args", "www=\(root)", "--args", "proxy=--allow-destination 127.0.0.1/32"])
    guard generated.status == 0 else { throw SetupFailure("slugctl inetd generate failed: \(generated.output)") }
    let (www, proxy) = (self.www, self.proxy)
    if format == "xinetd" {
      _ = try PrivateInetd.xinetd()
      superserver = try PrivateInetd.startXinetd(generated.output, in: directory.path)
      for _ in 0..<50 where !(LoopbackSocket.acceptsTCP(port: www) && LoopbackSocket.acceptsTCP(port: proxy)) { usleep(100_000) }
    } else {
      let lines = generated.output.split(separator: "\n").map(String.init)
      superserver = try PrivateInetd.start(lines, in: directory.path, output: directory.path + "/inetd.out", debug: false) {
        LoopbackSocket.acceptsTCP(port: www) && LoopbackSocket.acceptsTCP(port: proxy)
      }
    }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: www)
    SlotSets.removeAll(port: proxy)
  }

  /// ab's summary of `count` requests, 20 at a time, with `arguments` before the URL.
  func ab(_ arguments: [String], _ url: String) throws -> (status: Int32, output: String) {
    let run = try ChildProcess.run("/usr/bin/ab", ["-q", "-n", "3000", "-c", "20", "-s", "20", "-r"] + arguments + [url])
    return (run.status, run.output)
  }

  func expectThreeThousandRequestsSucceed(file: StaticString = #filePath, line: UInt = #line) throws {
    let url = "http://127.0.0.1:\(www)/page.html"
    for (name, arguments) in [("in.www", [String]()), ("in.proxy", ["-X", "127.0.0.1:\(proxy)"])] {
      let run = try ab(arguments, url)
      XCTAssertEqual(run.status, 0, "\(name): \(run.output)", file: file, line: line)
      XCTAssertTrue(run.output.contains("Complete requests:      3000\n"), "\(name): \(run.output)", file: file, line: line)
      XCTAssertTrue(run.output.contains("Failed requests:        0\n"), "\(name): \(run.output)", file: file, line: line)
      XCTAssertFalse(run.output.contains("Non-2xx responses"), "\(name): \(run.output)", file: file, line: line)
    }
  }
}

/// The daemons' own caps, as the generated lines run them (defaults): with the per-source cap's
/// number of connections held open from one address, the next is answered in the protocol and
/// logged with the client's address; once they close, the service answers again.
final class ConnectionCapTests: XCTestCase {
  func testInWWWAnswers503WithRetryAfterPastThe32ConnectionsOfOneAddress() throws {
    let site = try TemporaryDirectory()
    try "slug\n".write(toFile: site.path + "/page.html", atomically: true, encoding: .utf8)
    try PrivateInetd.reachable(site.path)
    let box = try MeshBox(service: "www", arguments: [site.path])
    addTeardownBlock { box.stop() }
    let result = try held(
      box, count: 32,
      open: """
        s.sendall(b'GET /page.html HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
        return upto(s, b'slug\\n')
        """,
      extra: "s.sendall(b'GET /page.html HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')")
    XCTAssertTrue(result.refused.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), result.refused)
    XCTAssertTrue(result.refused.contains("\r\nRetry-After: 5\r\n"), result.refused)
    XCTAssertTrue(result.after.hasPrefix("HTTP/1.1 200 OK\r\n"), result.after)
    try box.expectLogged("refused 127.0.0.1: 32 connections from this address already (--max-per-source)")
  }

  /// A CGI program's process (and what it leaves running) does not inherit in.www's hold: the
  /// kernel's undo of a semaphore belongs to the process that took it, so the slot is free
  /// as soon as in.www exits.
  func testACGIProgramLeftRunningHoldsNoSlotOnceInWWWHasExited() throws {
    let site = try TemporaryDirectory()
    let script = site.path + "/linger.cgi"
    try "#!/bin/sh\nsleep 20 </dev/null >/dev/null 2>&1 &\nprintf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' $!\n"
      .write(toFile: script, atomically: true, encoding: .utf8)
    chmod(script, 0o755)
    try PrivateInetd.reachable(site.path)
    let box = try MeshBox(service: "www", arguments: ["--max-per-source", "1", site.path])
    addTeardownBlock { box.stop() }
    var lingering: [pid_t] = []
    defer { for pid in lingering { kill(pid, SIGKILL) } }
    let get = { () throws -> String in
      let run = try ChildProcess.run(
        "/usr/bin/curl", ["-sS", "-w", "%{http_code}", "--max-time", "10", "http://127.0.0.1:\(box.port)/linger.cgi"])
      if let line = run.output.split(separator: "\n").first, let pid = pid_t(line) { lingering.append(pid) }
      return String(run.output.suffix(3))
    }
    XCTAssertEqual(try get(), "200")
    usleep(300_000)
    XCTAssertEqual(lingering.count, 1)
    XCTAssertEqual(lingering.first.map { kill($0, 0) }, 0, "the CGI's child still runs")
    XCTAssertEqual(try get(), "200", "the first request's lingering child must hold no slot")
    SlotSets.remove(program: "in.www", port: box.port, total: 128, perSource: 1)
  }

  func testInSMTPGreetsWith421PastThe8ConnectionsOfOneAddress() throws {
    let box = try MeshBox(service: "smtp", arguments: [])
    addTeardownBlock { box.stop() }
    let result = try held(box, count: 8, open: "return upto(s, b'\\r\\n')", extra: "")
    XCTAssertTrue(result.refused.hasPrefix("421 "), result.refused)
    XCTAssertTrue(result.refused.hasSuffix("too many connections, try again later\r\n"), result.refused)
    XCTAssertTrue(result.after.hasPrefix("220 "), result.after)
    try box.expectLogged("refused 127.0.0.1: 8 connections from this address already (--max-per-source)")
  }

  func testInJabberdOpensTheStreamAndSendsResourceConstraintPastThe64ConnectionsOfOneAddress() throws {
    let box = try MeshBox(service: "jabberd", arguments: [])
    addTeardownBlock { box.stop() }
    let header =
      "s.sendall(b\"<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\")"
    let result = try held(box, count: 64, open: header + "\nreturn upto(s, b'</stream:features>')", extra: header)
    XCTAssertTrue(result.refused.hasPrefix("<?xml version='1.0'?><stream:stream "), result.refused)
    XCTAssertTrue(
      result.refused.hasSuffix(
        "<stream:error><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"),
      result.refused)
    XCTAssertTrue(result.after.contains("<stream:features>"), result.after)
    try box.expectLogged("refused 127.0.0.1: 64 connections from this address already (--max-per-source)")
  }

  /// Opens `count` connections to the box's port, each greeted by `open` (Python on socket `s`,
  /// returning what the server said), then one more (`extra`, then read to the end: what the
  /// refused client got), closes them all, and greets one more (what a client gets after).
  func held(_ box: MeshBox, count: Int, open: String, extra: String) throws -> (refused: String, after: String) {
    let indented = { (code: String) in code.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }
    let script = """
      import socket, sys, time
      def upto(s, marker):
          data = b''
          while marker not in data:
              chunk = s.recv(65536)
              if not chunk:
                  raise SystemExit('closed before %r: %r' % (marker, data))
              data += chunk
          return data
      def connect():
          return socket.create_connection(('127.0.0.1', \(box.port)), timeout=10)
      def greet(s):
      \(indented(open))
      def opened():
          s = connect()
          greet(s)
          return s
      held = [opened() for _ in range(\(count))]
      s = connect()
      \(extra.isEmpty ? "" : extra)
      refused = b''
      while True:
          chunk = s.recv(65536)
          if not chunk:
              break
          refused += chunk
      for h in held:
          h.close()
      time.sleep(1)
      after = greet(connect())
      sys.stdout.write(refused.decode('latin-1') + '\\0' + after.decode('latin-1'))
      """
    let run = try ChildProcess.run("/usr/bin/python3", ["-c", script])
    let parts = run.output.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
    guard run.status == 0, parts.count == 2 else { throw SetupFailure("the clients failed: \(run.output)") }
    return (parts[0], parts[1])
  }
}

/// The semaphore sets a test's daemons made for their ports: a machine keeps one per daemon and
/// port, a test would leave one per free port it picked.
enum SlotSets {
  /// Those of every TCP daemon with its default caps on `port`.
  static func removeAll(port: UInt16) {
    let defaults = [("in.www", 128, 32), ("in.proxy", 64, 32), ("in.jabberd", 128, 64), ("in.smtp", 32, 8), ("in.ctcs", 64, 32), ("in.dns", 32, 8)]
    for (program, total, perSource) in defaults { remove(program: program, port: port, total: total, perSource: perSource) }
  }

  static func remove(program: String, port: UInt16, total: Int, perSource: Int) {
    let key = ConnectionSlot.key(program: program, port: port, caps: ConnectionCaps(total: total, perSource: perSource))
    _ = try? ChildProcess.run("/usr/bin/ipcrm", ["-S", "0x" + String(UInt32(bitPattern: key), radix: 16)])
  }
}
