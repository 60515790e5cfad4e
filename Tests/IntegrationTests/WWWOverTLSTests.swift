import Foundation
import TestSupport
import XCTest

/// in.www's HTTPS: the generated https line (`in.www --tls`, `--tls-dir` beside the store)
/// under openbsd-inetd and xinetd, asked by clients at their default, verifying settings.
final class WWWOverTLSTests: XCTestCase {
  func testCurlTrustingTheCAGetsPagesOverIPv4AndIPv6OnOneConnectionAndACurlWithoutItFails() throws {
    let server = try WebServerUnderInetd(binds: ["127.0.0.1", "::1"], tls: true)
    addTeardownBlock { server.stop() }
    try "hello, tls\n".write(toFile: server.root + "/hello.txt", atomically: true, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: server.root + "/dir", withIntermediateDirectories: true)
    try "<p>inside</p>\n".write(toFile: server.root + "/dir/index.html", atomically: true, encoding: .utf8)

    let get = try server.curl("-D", "-", "https://localhost:\(server.port)/hello.txt")
    XCTAssertTrue(get.hasPrefix("HTTP/1.1 200 OK\r\n"), get)
    XCTAssertTrue(get.hasSuffix("\r\n\r\nhello, tls\n"), get)
    XCTAssertNil(WebServerUnderInetd.headers(get)["strict-transport-security"], "no HSTS unless asked: \(get)")
    XCTAssertEqual(try server.curl("https://[::1]:\(server.port)/hello.txt"), "hello, tls\n")

    // Keep-alive through the helper: one connection, three answers.
    let output = try server.curl(
      "-w", "[%{http_code} %{num_connects}]\n", server.url("/hello.txt"), server.url("/missing"), server.url("/hello.txt"))
    XCTAssertTrue(output.hasPrefix("hello, tls\n[200 1]\n"), output)
    XCTAssertTrue(output.contains("</html>\n[404 0]\n"), output)
    XCTAssertTrue(output.hasSuffix("hello, tls\n[200 0]\n"), output)

    // The directory's slash redirect stays on https.
    let followed = try server.curl("-L", "-w", " %{url_effective}", server.url("/dir"))
    XCTAssertEqual(followed, "<p>inside</p>\n \(server.url("/dir/"))")

    let untrusting = try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "10", "https://localhost:\(server.port)/hello.txt"])
    XCTAssertEqual(untrusting.status, 60, "curl: certificate verification failed: \(untrusting.output)")
    XCTAssertTrue(untrusting.output.contains("certificate"), untrusting.output)
    XCTAssertFalse(untrusting.output.contains("hello, tls"), untrusting.output)
  }

  func testSendsHSTSOverHTTPSOnlyWhenAskedAndRefusesItForPlainHTTP() throws {
    let server = try WebServerUnderInetd(extraArguments: ["--hsts", "86400"], tls: true)
    addTeardownBlock { server.stop() }
    try "x".write(toFile: server.root + "/x.txt", atomically: true, encoding: .utf8)
    let headers = WebServerUnderInetd.headers(try server.curl("-D", "-", "-o", "/dev/null", server.url("/x.txt")))
    XCTAssertEqual(headers["strict-transport-security"], "max-age=86400")
    let missing = WebServerUnderInetd.headers(try server.curl("-D", "-", "-o", "/dev/null", server.url("/none")))
    XCTAssertEqual(missing["strict-transport-security"], "max-age=86400", "on every HTTPS response")

    // RFC 6797 §7.2: never over plain HTTP; asking for it there is a usage error.
    let plain = try ChildProcess.run(try BuildProducts.binDirectory() + "/in.www", ["-n", "--hsts", "60", server.root])
    XCTAssertEqual(plain.status, 64, plain.output)
    XCTAssertTrue(plain.output.contains("--hsts applies to HTTPS only"), plain.output)
  }

  func testServesA50MBFileWholeAndARangeOfItThroughTheHelper() throws {
    let server = try WebServerUnderInetd(tls: true)
    addTeardownBlock { server.stop() }
    let size = 50 * 1024 * 1024
    var generator = SplitMix64(seed: 7)
    var bytes = [UInt8](repeating: 0, count: size)
    bytes.withUnsafeMutableBytes { buffer in
      let words = buffer.bindMemory(to: UInt64.self)
      for index in words.indices { words[index] = generator.next() }
    }
    let data = Data(bytes)
    try data.write(to: URL(fileURLWithPath: server.root + "/big.bin"))
    let download = server.directory.path + "/download"

    let whole = try server.curl("-o", download, "-w", "%{http_code} %{size_download}", server.url("/big.bin"))
    XCTAssertEqual(whole, "200 \(size)")
    XCTAssertEqual(try WebServerUnderInetd.sha256(download), try WebServerUnderInetd.sha256(server.root + "/big.bin"))

    let (first, last) = (3_000_017, 33_000_001)
    let partial = try server.curl("-o", download, "-w", "%{http_code}", "-r", "\(first)-\(last)", server.url("/big.bin"))
    XCTAssertEqual(partial, "206")
    let expected = server.directory.path + "/expected"
    try data.subdata(in: first..<(last + 1)).write(to: URL(fileURLWithPath: expected))
    XCTAssertEqual(try WebServerUnderInetd.sha256(download), try WebServerUnderInetd.sha256(expected))
  }

  func testCGIProgramSeesHTTPSOnTheSchemeAndThePortTheClientReached() throws {
    let server = try WebServerUnderInetd(tls: true)
    addTeardownBlock { server.stop() }
    try server.script(
      "/env.cgi",
      "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"HTTPS=$HTTPS\"\necho \"REQUEST_SCHEME=$REQUEST_SCHEME\"\necho \"SERVER_PORT=$SERVER_PORT\"\necho \"REMOTE_ADDR=$REMOTE_ADDR\"\n")
    XCTAssertEqual(
      try server.curl(server.url("/env.cgi")),
      "HTTPS=on\nREQUEST_SCHEME=https\nSERVER_PORT=\(server.port)\nREMOTE_ADDR=127.0.0.1\n")
  }

  func testPythonWithADefaultContextTrustingTheCAReadsAPageAndWithoutItIsRefused() throws {
    let server = try WebServerUnderInetd(tls: true)
    addTeardownBlock { server.stop() }
    try "from python\n".write(toFile: server.root + "/p.txt", atomically: true, encoding: .utf8)
    let ca = try XCTUnwrap(server.certificates).caPath
    let output = try server.python(
      """
      import http.client, ssl, urllib.error, urllib.request
      context = ssl.create_default_context(cafile='\(ca)')
      print(urllib.request.urlopen('https://localhost:PORT/p.txt', context=context, timeout=10).read().decode(), end='')
      connection = http.client.HTTPSConnection('localhost', PORT, context=context, timeout=10)
      for _ in range(2):
          connection.request('GET', '/p.txt')
          response = connection.getresponse()
          print(response.status, response.read().decode(), end='')
      print(connection.sock.version())
      try:
          urllib.request.urlopen('https://localhost:PORT/p.txt', timeout=10)
          print('trusted without the CA')
      except urllib.error.URLError as error:
          print(type(error.reason).__name__)
      """)
    XCTAssertEqual(output, "from python\n200 from python\n200 from python\nTLSv1.3\nSSLCertVerificationError\n")
  }

  /// Garbage, plain HTTP, silence and an alert after the handshake: each costs one log line
  /// naming the client and ends its connection (no process stays), and the next is served.
  func testBadInputEndsOnlyThatConnectionWithALogLine() throws {
    let server = try WebServerUnderInetd(extraArguments: ["-r", "2"], tls: true)
    addTeardownBlock { server.stop() }
    try "fine\n".write(toFile: server.root + "/ok.txt", atomically: true, encoding: .utf8)
    let log = try XCTUnwrap(server.log)
    let ca = try XCTUnwrap(server.certificates).caPath
    usleep(300_000)
    _ = log.lines()
    let cases: [(name: String, client: String)] = [
      ("garbage", "s.sendall(bytes(range(256)) * 4)"),
      ("plain HTTP", "s.sendall(b'GET / HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n')"),
      ("stall", "time.sleep(4)"),
      ("alert mid-stream",
       """
       t = ssl.create_default_context(cafile='\(ca)').wrap_socket(s, server_hostname='localhost')
       t.sendall(b'GET /ok.txt HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n')
       t.recv(65536)
       fd = t.fileno()
       os.write(fd, b'\\x15\\x03\\x03\\x00\\x02\\x02\\x32')
       """),
    ]
    for (name, client) in cases {
      let indented = client.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
      let said = try server.python(
        """
        import os, select, socket, ssl, time
        def closed(fd):
            deadline = time.time() + 6
            while time.time() < deadline:
                if not select.select([fd], [], [], deadline - time.time())[0]: break
                try:
                    if not os.read(fd, 65536): return 'closed'
                except BlockingIOError: continue
                except OSError as error: return 'closed ' + type(error).__name__
            return 'still open'
        s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
        fd = s.fileno()
        try:
        \(indented)
            print(closed(fd))
        except OSError as error:
            print('closed', type(error).__name__)
        """)
      XCTAssertTrue(said.hasPrefix("closed"), "\(name): \(said)")
      var lines: [String] = []
      for _ in 0..<50 where lines.isEmpty {
        usleep(100_000)
        lines = log.lines()
      }
      usleep(300_000)
      lines += log.lines()
      XCTAssertEqual(lines.count, 1, "\(name): one log line, not \(lines)")
      XCTAssertTrue(lines.first?.contains("127.0.0.1") == true, "\(name): the client's address in \(lines)")
      XCTAssertEqual(try server.curl(server.url("/ok.txt")), "fine\n", "after \(name) the next client is served")
      _ = log.lines()
    }
    for _ in 0..<30 where !server.superserver.descendants.isEmpty { usleep(100_000) }
    XCTAssertEqual(server.superserver.descendants, [], "no in.www or slug-tls is left")
  }
}

/// The https stanza under xinetd, as generated: curl trusting the CA gets the page.
final class WWWOverTLSUnderXinetdTests: XCTestCase {
  func testCurlTrustingTheCAGetsAPageFromTheGeneratedStanza() throws {
    _ = try PrivateInetd.xinetd()
    let directory = try TemporaryDirectory()
    let port = try FreePort.tcp()
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    let certificates = try TLSFixture(in: directory.path + "/tls")
    try PrivateInetd.give([certificates.keyPath, certificates.directory + "/tickets.key"], to: "slug-www")
    let root = directory.path + "/root"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try "over xinetd\n".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
    let stanza = try PrivateInetd.generated(
      prefix: prefix, service: "https", port: port, database: directory.path + "/slug.db", format: "xinetd",
      arguments: [root])
    XCTAssertTrue(stanza.contains("--tls --tls-dir \(directory.path)/tls"), stanza)
    let superserver = try PrivateInetd.startXinetd(stanza, in: directory.path)
    addTeardownBlock { superserver.stop() }
    // One probe connection: each costs a handshake failure and its log line.
    for _ in 0..<50 {
      if LoopbackSocket.acceptsTCP(port: port) { break }
      usleep(100_000)
    }

    let page = try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "10", "--cacert", certificates.caPath, "https://localhost:\(port)/"])
    XCTAssertEqual(page.output, "over xinetd\n")
  }
}
