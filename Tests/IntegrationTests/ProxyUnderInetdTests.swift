import Foundation
import TestSupport
import XCTest

/// in.proxy under a real openbsd-inetd on a loopback port, driven by curl, in front of a small
/// python3 origin server on another loopback port.
final class ProxyUnderInetdTests: XCTestCase {
  func testRelaysGetHeadAndPostAndRewritesHopByHopFields() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }

    let get = try proxy.curl(
      "-H", "Connection: X-Secret", "-H", "X-Secret: 1", "-H", "Keep-Alive: 5", "-H", "Proxy-Authorization: Basic eA==",
      "-H", "X-Kept: yes", "\(proxy.origin)/echo?q=1")
    XCTAssertEqual(get.status, 0, get.output)
    let lines = get.body.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.first, "GET /echo?q=1", get.output)
    XCTAssertTrue(lines.contains("host: 127.0.0.1:\(proxy.originPort)"), get.output)
    XCTAssertTrue(lines.contains("via: 1.1 slug"), get.output)
    XCTAssertTrue(lines.contains("x-kept: yes"), get.output)
    for dropped in ["x-secret", "keep-alive", "proxy-authorization", "proxy-connection"] {
      XCTAssertFalse(lines.contains { $0.hasPrefix(dropped + ":") }, "\(dropped) reached the origin: \(get.output)")
    }
    XCTAssertTrue(get.head.contains("HTTP/1.1 200"), get.output)
    XCTAssertTrue(get.head.lowercased().contains("via: 1.1 slug"), get.output)

    let head = try proxy.curl("-I", "\(proxy.origin)/echo")
    XCTAssertEqual(head.status, 0, head.output)
    XCTAssertTrue(head.head.hasPrefix("HTTP/1.1 200"), head.output)
    XCTAssertTrue(head.head.lowercased().contains("content-length: "), head.output)
    XCTAssertEqual(head.body, head.head, "curl -I prints the head and nothing after it: \(head.output)")

    let post = try proxy.curl("--data-binary", "hello origin", "\(proxy.origin)/post")
    XCTAssertEqual(post.body, "got 12 bytes: hello origin\n", post.output)

    // Over 1024 bytes curl asks `Expect: 100-continue` first.
    let large = String(repeating: "x", count: 3000)
    let expecting = try proxy.curl("--data-binary", large, "\(proxy.origin)/post")
    XCTAssertEqual(expecting.body, "got 3000 bytes: " + String(repeating: "x", count: 40) + "\n", expecting.output)
    XCTAssertLessThan(expecting.seconds, 0.9, "the proxy should answer 100 Continue, not let curl wait a second")

    let chunked = try proxy.curl(
      "-H", "Transfer-Encoding: chunked", "--data-binary", "sent in chunks", "\(proxy.origin)/post")
    XCTAssertEqual(chunked.body, "got 14 bytes: sent in chunks\n", chunked.output)
  }

  func testRelaysChunkedAndCloseDelimitedResponses() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }

    let chunked = try proxy.curl("\(proxy.origin)/chunked")
    XCTAssertEqual(chunked.body, "one two three\n", chunked.output)
    XCTAssertTrue(chunked.head.lowercased().contains("transfer-encoding: chunked"), chunked.output)

    // A close-delimited body reaches an HTTP/1.1 client chunked, so the connection lives on.
    let closing = try proxy.curl("\(proxy.origin)/close")
    XCTAssertEqual(closing.body, "until close\n", closing.output)
    XCTAssertTrue(closing.head.lowercased().contains("transfer-encoding: chunked"), closing.output)

    // An HTTP/1.0 client gets it decoded and delimited by the close.
    let old = try proxy.curl("--http1.0", "\(proxy.origin)/chunked")
    XCTAssertEqual(old.body, "one two three\n", old.output)
    XCTAssertFalse(old.head.lowercased().contains("transfer-encoding"), old.output)
  }

  func testStreamsLargeBodiesBothWays() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }

    let download = try proxy.curl("-o", "/dev/null", "-w", "%{size_download}", "\(proxy.origin)/big")
    XCTAssertEqual(download.body, "5000000", download.output)

    let file = proxy.directory.path + "/upload"
    try Data(repeating: UInt8(ascii: "u"), count: 2_000_000).write(to: URL(fileURLWithPath: file))
    let upload = try proxy.curl("--data-binary", "@" + file, "\(proxy.origin)/post")
    XCTAssertTrue(upload.body.hasPrefix("got 2000000 bytes: "), upload.output)
    let chunkedUpload = try proxy.curl(
      "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, "\(proxy.origin)/post")
    XCTAssertTrue(chunkedUpload.body.hasPrefix("got 2000000 bytes: "), chunkedUpload.output)
  }

  func testKeepsTheClientConnectionAliveAcrossRequests() throws {
    let proxy = try ProxyUnderInetd(mode: .perConnection)
    addTeardownBlock { proxy.stop() }

    let started = proxy.execs()
    let both = try proxy.curl("-v", "\(proxy.origin)/first", "\(proxy.origin)/chunked", "\(proxy.origin)/second")
    XCTAssertEqual(both.status, 0, both.output)
    XCTAssertTrue(both.body.contains("GET /first\n"), both.output)
    XCTAssertTrue(both.body.contains("one two three\n"), both.output)
    XCTAssertTrue(both.body.contains("GET /second\n"), both.output)
    XCTAssertEqual(both.output.components(separatedBy: "Re-using existing connection").count - 1, 2, both.output)
    XCTAssertEqual(proxy.execs() - started, 1, "one in.proxy should serve all three requests")

    // Two requests in one write: answered in order, the second ending the connection.
    let pipelined = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket
       client = socket.create_connection(('127.0.0.1', \(proxy.port)), timeout=5)
       request = 'GET \(proxy.origin)/%s HTTP/1.1\\r\\nHost: ignored\\r\\n%s\\r\\n'
       client.sendall((request % ('a', '') + request % ('b', 'Connection: close\\r\\n')).encode())
       data = b''
       while True:
           chunk = client.recv(65536)
           if not chunk:
               break
           data += chunk
       print(data.count(b'HTTP/1.1 200 '), data.index(b'GET /a') < data.index(b'GET /b'))
       """])
    XCTAssertEqual(pipelined.output, "2 True\n")
  }

  func testClosesAKeptAliveConnectionAfterTheIdlePeriod() throws {
    let proxy = try ProxyUnderInetd(arguments: ["-t", "1"])
    addTeardownBlock { proxy.stop() }
    let run = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, time
       client = socket.create_connection(('127.0.0.1', \(proxy.port)), timeout=5)
       client.sendall(b'GET \(proxy.origin)/idle HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n')
       reply = client.recv(65536)
       started = time.monotonic()
       while client.recv(65536):
           pass
       print(reply.startswith(b'HTTP/1.1 200 '), round(time.monotonic() - started))
       """])
    XCTAssertEqual(run.output, "True 1\n", "the connection should stay open a second, then close")
  }

  func testTunnelsCONNECTToAllowedPortsOnlyAndClosesWhenTheOriginCloses() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }

    let tunnelled = try proxy.curl("-p", "-w", "connect=%{http_connect}\n", "\(proxy.origin)/through")
    XCTAssertEqual(tunnelled.status, 0, tunnelled.output)
    XCTAssertTrue(tunnelled.body.hasPrefix("GET /through\n"), tunnelled.output)
    XCTAssertFalse(tunnelled.body.contains("via: 1.1 slug"), "a tunnel carries the bytes untouched: \(tunnelled.output)")
    XCTAssertTrue(tunnelled.body.contains("connect=200"), tunnelled.output)

    // The origin closes after a close-delimited body: the tunnel must close at once, not idle out.
    let closed = try proxy.curl("-p", "\(proxy.origin)/close")
    XCTAssertEqual(closed.body, "until close\n", closed.output)
    XCTAssertLessThan(closed.seconds, 3, closed.output)

    let refused = try proxy.curl("-p", "-w", "connect=%{http_connect}\n", "http://127.0.0.1:\(proxy.closedPort)/")
    XCTAssertNotEqual(refused.status, 0, refused.output)
    XCTAssertTrue(refused.body.contains("connect=403"), refused.output)
  }

  func testAnswers400ForOriginFormAnd502And504WhenTheOriginFails() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }

    let direct = try proxy.curl(noProxy: true, "-w", "status=%{http_code}\n", "http://127.0.0.1:\(proxy.port)/")
    XCTAssertTrue(direct.body.hasSuffix("status=400\n"), direct.output)

    let unreachable = try proxy.curl("-w", "status=%{http_code}\n", "http://127.0.0.1:\(proxy.closedPort)/")
    XCTAssertTrue(unreachable.body.hasPrefix("502 Bad Gateway: "), unreachable.output)
    XCTAssertTrue(unreachable.body.hasSuffix("status=502\n"), unreachable.output)

    let unresolvable = try proxy.curl("-w", "status=%{http_code}\n", "http://no-such-host.invalid/")
    XCTAssertTrue(unresolvable.body.hasSuffix("status=502\n"), unresolvable.output)

    let slow = try proxy.curl("-w", "status=%{http_code}\n", "\(proxy.origin)/slow")
    XCTAssertTrue(slow.body.hasPrefix("504 Gateway Timeout: "), slow.output)
    XCTAssertTrue(slow.body.hasSuffix("status=504\n"), slow.output)
    XCTAssertLessThan(slow.seconds, 4, "--timeout 2 should cut the 5 s origin short")
  }

  func testLogsOneLinePerRequest() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }
    let log = try BuildProducts.logOfOneConnection(
      "in.proxy", ["--allow-destination", "127.0.0.0/8"],
      sending: "GET \(proxy.origin)/logged HTTP/1.1\r\nHost: a\r\n\r\n"
        + "GET http://127.0.0.1:\(proxy.closedPort)/gone HTTP/1.1\r\nHost: a\r\n\r\n")
    let lines = log.split(separator: "\n").map { String($0.drop { $0 != " " }.dropFirst()) }
    XCTAssertEqual(lines.count, 2, log)
    XCTAssertTrue(lines.first?.hasPrefix("127.0.0.1 \"GET \(proxy.origin)/logged\" 200 ") ?? false, log)
    XCTAssertEqual(
      lines.last, "127.0.0.1 \"GET http://127.0.0.1:\(proxy.closedPort)/gone\" 502 52: cannot connect: Connection refused",
      log)
  }

  func testRefusesClientsOutsideTheAccessList() throws {
    let proxy = try ProxyUnderInetd(arguments: ["--allow", "10.0.0.0/8", "--allow", "fd00::/8"])
    addTeardownBlock { proxy.stop() }

    let denied = try proxy.curl("-w", "status=%{http_code}\n", "\(proxy.origin)/echo")
    XCTAssertTrue(denied.body.hasPrefix("403 Forbidden: "), denied.output)
    XCTAssertTrue(denied.body.hasSuffix("status=403\n"), denied.output)
    XCTAssertFalse(denied.body.contains("GET /echo"), denied.output)

    let listed = try ProxyUnderInetd(arguments: ["--allow", "10.0.0.0/8", "--allow", "127.0.0.1"])
    addTeardownBlock { listed.stop() }
    let allowed = try listed.curl("\(listed.origin)/echo")
    XCTAssertTrue(allowed.body.hasPrefix("GET /echo\n"), allowed.output)
  }
}

/// inetd `wait`, as generated: one in.proxy holds the listening socket and forks per connection.
final class ProxyListenerTests: XCTestCase {
  func testOneListenerServesConnectionsAtOnceWithoutNewExecs() throws {
    let proxy = try ProxyUnderInetd()
    addTeardownBlock { proxy.stop() }
    let started = proxy.execs()
    // A tunnel stays open in one child while other children answer requests.
    let run = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, subprocess
       tunnel = socket.create_connection(('127.0.0.1', \(proxy.port)), timeout=5)
       tunnel.sendall(b'CONNECT 127.0.0.1:\(proxy.originPort) HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
       print(tunnel.recv(65536).split(b'\\r\\n')[0].decode())
       for n in range(5):
           got = subprocess.run(['/usr/bin/curl', '-sS', '--max-time', '5', '-x', 'http://127.0.0.1:\(proxy.port)',
                                 '\(proxy.origin)/request%d' % n], capture_output=True).stdout
           print(got.split(b'\\n')[0].decode())
       tunnel.sendall(b'GET /through-tunnel HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')
       reply = b''
       while b'through-tunnel' not in reply:
           chunk = tunnel.recv(65536)
           if not chunk:
               break
           reply += chunk
       print(b'GET /through-tunnel' in reply)
       """])
    XCTAssertEqual(
      run.output,
      "HTTP/1.1 200 Connection established\n" + (0..<5).map { "GET /request\($0)\n" }.joined() + "True\n")
    XCTAssertEqual(proxy.execs() - started, 0, "the running listener should serve every connection")
  }

  func testTheListenerExitsWhenIdleAndInetdStartsTheNextOne() throws {
    let proxy = try ProxyUnderInetd(arguments: ["-i", "1"])
    addTeardownBlock { proxy.stop() }
    let started = proxy.execs()
    usleep(1_800_000)
    XCTAssertTrue(try proxy.curl("\(proxy.origin)/after-idle").body.hasPrefix("GET /after-idle\n"))
    XCTAssertTrue(try proxy.curl("\(proxy.origin)/at-once").body.hasPrefix("GET /at-once\n"))
    XCTAssertEqual(proxy.execs() - started, 1, "one new listener after the idle one exited, serving both requests")
  }

  func testConnectionsPastMaxClientsWaitForAFreeChild() throws {
    let proxy = try ProxyUnderInetd(arguments: ["--max-clients", "1"])
    addTeardownBlock { proxy.stop() }
    let run = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, time
       tunnel = socket.create_connection(('127.0.0.1', \(proxy.port)), timeout=5)
       tunnel.sendall(b'CONNECT 127.0.0.1:\(proxy.originPort) HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
       tunnel.recv(65536)
       waiting = socket.create_connection(('127.0.0.1', \(proxy.port)), timeout=5)
       waiting.sendall(b'GET \(proxy.origin)/queued HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n')
       waiting.settimeout(1)
       try:
           early = waiting.recv(65536)
       except socket.timeout:
           early = b''
       tunnel.close()
       waiting.settimeout(5)
       late = waiting.recv(65536)
       print(len(early), late.split(b'\\r\\n')[0].decode())
       """])
    XCTAssertEqual(run.output, "0 HTTP/1.1 200 OK\n", "the second client should be served only once the first is done")
  }
}

/// in.proxy as `slugctl install` and `slugctl inetd generate --format xinetd` set it up.
final class ProxyUnderXinetdTests: XCTestCase {
  func testTheGeneratedStanzaServesRequestsThroughXinetd() throws {
    _ = try PrivateInetd.xinetd()
    let directory = try TemporaryDirectory()
    let port = try FreePort.tcp()
    let originPort = try FreePort.tcp()
    let script = directory.path + "/origin.py"
    try ProxyUnderInetd.originScript.write(toFile: script, atomically: true, encoding: .utf8)
    let origin = try ChildProcess("/usr/bin/python3", [script, String(originPort)])
    addTeardownBlock { origin.stop() }

    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    let generated = try PrivateInetd.generated(
      prefix: prefix, service: "proxy", port: port, format: "xinetd", arguments: ["--allow-destination 127.0.0.0/8"])
    XCTAssertTrue(generated.contains("server = \(prefix)/sbin/in.proxy"), generated)
    XCTAssertTrue(generated.contains("server_args = --allow-destination 127.0.0.0/8"), generated)
    let superserver = try PrivateInetd.startXinetd(generated, in: directory.path)
    addTeardownBlock {
      superserver.stop()
      SlotSets.removeAll(port: port)
    }
    for _ in 0..<50 where !(LoopbackSocket.acceptsTCP(port: port) && LoopbackSocket.acceptsTCP(port: originPort)) { usleep(100_000) }

    let run = try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "10", "-x", "http://127.0.0.1:\(port)", "http://127.0.0.1:\(originPort)/via-xinetd"])
    XCTAssertTrue(run.output.hasPrefix("GET /via-xinetd\n"), run.output)
    XCTAssertTrue(run.output.contains("via: 1.1 slug\n"), run.output)
  }
}

/// openbsd-inetd with one in.proxy line on a free loopback port, and the origin server.
final class ProxyUnderInetd {
  let directory: TemporaryDirectory
  let port: UInt16
  let originPort: UInt16
  /// A port nothing listens on.
  let closedPort: UInt16
  let trace: String
  /// The caps in.proxy runs with: its defaults, or the test's --max-clients and
  /// --max-per-source. stop() removes their semaphore set.
  let caps: (total: Int, perSource: Int)
  let superserver: ChildProcess
  let originServer: ChildProcess

  var origin: String { "http://127.0.0.1:\(originPort)" }

  /// inetd `wait` hands in.proxy the listening socket (the generated configuration); `nowait`
  /// one accepted connection per exec.
  enum Mode: String {
    case listener = "wait"
    case perConnection = "nowait"
  }

  init(mode: Mode = .listener, arguments: [String] = []) throws {
    try PrivateInetd.require(["/usr/bin/curl": "curl", "/usr/bin/python3": "python3"])
    directory = try TemporaryDirectory()
    port = try FreePort.tcp()
    originPort = try FreePort.tcp()
    closedPort = try FreePort.tcp()
    trace = directory.path + "/inetd.trace"
    func value(_ option: String, _ fallback: Int) -> Int {
      guard let at = arguments.firstIndex(of: option), at + 1 < arguments.count else { return fallback }
      return Int(arguments[at + 1]) ?? fallback
    }
    caps = (value("--max-clients", 64), value("--max-per-source", 32))

    let script = directory.path + "/origin.py"
    try ProxyUnderInetd.originScript.write(toFile: script, atomically: true, encoding: .utf8)
    originServer = try ChildProcess(
      "/usr/bin/python3", [script, String(originPort)], outputPath: directory.path + "/origin.log")

    let program = try BuildProducts.binDirectory() + "/in.proxy"
    try PrivateInetd.ensureServiceUsers()
    // As generated, in.proxy runs as its own user.
    // The origin is on loopback, which in.proxy refuses unless opened.
    let line = (["127.0.0.1:\(port)", "stream", "tcp4", mode.rawValue, "slug-proxy", program, "in.proxy",
                 "--timeout", "2", "--connect-port", String(originPort), "--allow-destination", "127.0.0.0/8"]
                + arguments).joined(separator: " ")
    // Both need a moment to bind. The origin first: every successful probe of the proxy port
    // starts an in.proxy, and the tests count the ones they start themselves.
    let (port, originPort, origin) = (self.port, self.originPort, originServer)
    do {
      superserver = try PrivateInetd.start([line], in: directory.path, output: trace) {
        origin.isRunning && LoopbackSocket.acceptsTCP(port: originPort) && LoopbackSocket.acceptsTCP(port: port)
      }
    } catch {
      originServer.stop()
      throw error
    }
    // Wait for the probe's trace line so it is not counted as a test's.
    for _ in 0..<50 where execs() == 0 { usleep(20_000) }
  }

  func stop() {
    superserver.stop()
    originServer.stop()
    SlotSets.removeAll(port: port)
    SlotSets.remove(program: "in.proxy", port: port, total: caps.total, perSource: caps.perSource)
  }

  /// How many in.proxy processes inetd started.
  func execs() -> Int {
    let log = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
    return log.split(separator: "\n").filter { $0.contains("execv") }.count
  }

  struct Result {
    var status: Int32
    var head: String
    var body: String
    var output: String
    var seconds: Double
  }

  /// Runs curl through the proxy (`-x`), response headers apart from the body.
  func curl(noProxy: Bool = false, _ arguments: String...) throws -> Result {
    let headers = directory.path + "/headers-\(UUID().uuidString)"
    let proxy = noProxy ? [] : ["-x", "http://127.0.0.1:\(port)"]
    let started = Date()
    let run = try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "10", "-D", headers] + proxy + arguments + ["--stderr", headers + ".err"])
    let seconds = Date().timeIntervalSince(started)
    let head = (try? String(contentsOfFile: headers, encoding: .utf8)) ?? ""
    let errors = (try? String(contentsOfFile: headers + ".err", encoding: .utf8)) ?? ""
    return Result(
      status: run.status, head: head, body: run.output,
      output: "curl \(arguments) exit \(run.status)\n--- headers\n\(head)--- body\n\(run.output)\n--- stderr\n\(errors)",
      seconds: seconds)
  }


  /// The origin: echoes the request line and headers (lower-cased names), serves a chunked,
  /// a close-delimited and a slow response, and counts POST bodies, chunked or not.
  static let originScript = """
    import sys, time
    from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *arguments):
            pass

        def reply(self, body):
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)

        def do_GET(self):
            if self.path == '/slow':
                time.sleep(5)
                return self.reply(b'late\\n')
            if self.path == '/big':
                return self.reply(b'z' * 5000000)
            if self.path == '/chunked':
                self.send_response(200)
                self.send_header('Transfer-Encoding', 'chunked')
                self.end_headers()
                for part in [b'one ', b'two ', b'three\\n']:
                    self.wfile.write(b'%x\\r\\n%s\\r\\n' % (len(part), part))
                self.wfile.write(b'0\\r\\n\\r\\n')
                return
            if self.path == '/close':
                self.send_response(200)
                self.send_header('Connection', 'close')
                self.end_headers()
                self.wfile.write(b'until close\\n')
                self.close_connection = True
                return
            lines = ['%s %s' % (self.command, self.path)]
            lines += ['%s: %s' % (name.lower(), value) for name, value in self.headers.items()]
            self.reply(('\\n'.join(lines) + '\\n').encode())

        do_HEAD = do_GET

        def do_POST(self):
            if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                body = b''
                while True:
                    size = int(self.rfile.readline().strip().split(b';')[0], 16)
                    if size == 0:
                        while self.rfile.readline() not in (b'\\r\\n', b'\\n', b''):
                            pass
                        break
                    body += self.rfile.read(size)
                    self.rfile.readline()
            else:
                body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
            self.reply(b'got %d bytes: %s\\n' % (len(body), body[:40]))

    ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
    """
}
