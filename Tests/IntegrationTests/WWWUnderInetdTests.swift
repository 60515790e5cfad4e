import Foundation
import TestSupport
import XCTest

/// in.www installed by `slugctl install`, started by a real openbsd-inetd from the line the
/// installed slugctl generates, asked by curl and by raw sockets.
final class WWWUnderInetdTests: XCTestCase {
  func testServesAFileWithValidatorsAndAnswersConditionalRequestsWith304() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try "hello, world\n".write(toFile: server.root + "/hello.txt", atomically: true, encoding: .utf8)

    let get = try server.curl("-D", "-", server.url("/hello.txt"))
    XCTAssertTrue(get.hasPrefix("HTTP/1.1 200 OK\r\n"), get)
    XCTAssertTrue(get.hasSuffix("\r\n\r\nhello, world\n"), get)
    let headers = WebServerUnderInetd.headers(get)
    XCTAssertEqual(headers["content-length"], "13", get)
    XCTAssertEqual(headers["content-type"]?.hasPrefix("text/plain"), true, get)
    XCTAssertEqual(headers["accept-ranges"], "bytes", get)
    let etag = try XCTUnwrap(headers["etag"], get)
    let lastModified = try XCTUnwrap(headers["last-modified"], get)
    XCTAssertTrue(lastModified.hasSuffix(" GMT"), lastModified)

    let head = try server.curl("-I", server.url("/hello.txt"))
    XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"), head)
    XCTAssertEqual(WebServerUnderInetd.headers(head)["content-length"], "13", head)
    XCTAssertTrue(head.hasSuffix("\r\n\r\n"), "HEAD carries no body: \(head)")

    XCTAssertEqual(try server.status("-H", "If-None-Match: \(etag)", server.url("/hello.txt")), "304")
    XCTAssertEqual(try server.status("-H", "If-None-Match: \"other\"", server.url("/hello.txt")), "200")
    XCTAssertEqual(try server.status("-H", "If-Modified-Since: \(lastModified)", server.url("/hello.txt")), "304")
    XCTAssertEqual(
      try server.status("-H", "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT", server.url("/hello.txt")), "200")
    XCTAssertEqual(try server.status(server.url("/missing.txt")), "404")
  }

  func testServesSeveralRequestsOnOneConnection() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try "one\n".write(toFile: server.root + "/one.txt", atomically: true, encoding: .utf8)
    try "two\n".write(toFile: server.root + "/two.txt", atomically: true, encoding: .utf8)

    let started = try server.execs().count
    // curl reports one new connection for the first URL and none for the others.
    let output = try server.curl(
      "-w", "[%{http_code} %{num_connects}]\n", server.url("/one.txt"), server.url("/missing"), server.url("/two.txt"))
    XCTAssertTrue(output.hasPrefix("one\n[200 1]\n"), output)
    XCTAssertTrue(output.contains("</html>\n[404 0]\n"), output)
    XCTAssertTrue(output.hasSuffix("two\n[200 0]\n"), output)
    XCTAssertEqual(try server.execs().count - started, 1, "one in.www for the connection")

    // HTTP/1.0 keeps the connection only when asked to.
    let old = try server.python(
      """
      import socket
      s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
      s.sendall(b'GET /one.txt HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\nGET /two.txt HTTP/1.0\\r\\n\\r\\n')
      data = b''
      while True:
          chunk = s.recv(65536)
          if not chunk: break
          data += chunk
      print(data.count(b'HTTP/1.1 200 OK'), data.endswith(b'two\\n'))
      """)
    XCTAssertEqual(old, "2 True\n")
  }

  func testServesByteRangesOfA50MBFileAndRefusesUnsatisfiableOnes() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    let size = 50 * 1024 * 1024
    var generator = SplitMix64(seed: 5)
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

    let first = 1_000_003
    let last = 41_000_009
    let partial = try server.curl(
      "-o", download, "-D", server.directory.path + "/head", "-w", "%{http_code}", "-r", "\(first)-\(last)",
      server.url("/big.bin"))
    XCTAssertEqual(partial, "206")
    let headers = WebServerUnderInetd.headers(try String(contentsOfFile: server.directory.path + "/head", encoding: .utf8))
    XCTAssertEqual(headers["content-range"], "bytes \(first)-\(last)/\(size)")
    XCTAssertEqual(headers["content-length"], "\(last - first + 1)")
    let expected = server.directory.path + "/expected"
    try data.subdata(in: first..<(last + 1)).write(to: URL(fileURLWithPath: expected))
    XCTAssertEqual(try WebServerUnderInetd.sha256(download), try WebServerUnderInetd.sha256(expected))

    let suffix = try server.curl("-w", " %{http_code}", "-r", "-5", server.url("/big.bin"), binary: true)
    XCTAssertEqual(suffix, Data(bytes[(size - 5)...]) + Data(" 206".utf8))

    let refused = try server.curl("-D", "-", "-o", "/dev/null", "-r", "\(size)-", server.url("/big.bin"))
    XCTAssertTrue(refused.hasPrefix("HTTP/1.1 416 "), refused)
    XCTAssertEqual(WebServerUnderInetd.headers(refused)["content-range"], "bytes */\(size)", refused)
  }

  func testRefusesPathsOutOfTheRootIncludingSymlinks() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try "secret\n".write(toFile: server.directory.path + "/secret.txt", atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: server.root + "/escape.txt", withDestinationPath: server.directory.path + "/secret.txt")
    try FileManager.default.createSymbolicLink(atPath: server.root + "/outside", withDestinationPath: server.directory.path)
    try "inside\n".write(toFile: server.root + "/inside.txt", atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: server.root + "/alias.txt", withDestinationPath: "inside.txt")

    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/a/../../secret.txt", "/escape.txt",
                 "/outside/secret.txt"] {
      XCTAssertEqual(try server.status("--path-as-is", server.url(path)), "403", path)
    }
    XCTAssertEqual(try server.curl(server.url("/alias.txt")), "inside\n", "a symlink inside the root is served")

    let following = try WebServerUnderInetd(extraArguments: ["--follow-symlinks"])
    addTeardownBlock { following.stop() }
    try "secret\n".write(toFile: following.directory.path + "/secret.txt", atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(
      atPath: following.root + "/escape.txt", withDestinationPath: following.directory.path + "/secret.txt")
    XCTAssertEqual(try following.curl(following.url("/escape.txt")), "secret\n")
    XCTAssertEqual(try following.status("--path-as-is", following.url("/../secret.txt")), "403")
  }

  func testRedirectsADirectoryToItsSlashThenServesItsIndexOrASortedEscapedListing() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    let manager = FileManager.default
    try manager.createDirectory(atPath: server.root + "/site", withIntermediateDirectories: true)
    try "<p>home</p>\n".write(toFile: server.root + "/site/index.html", atomically: true, encoding: .utf8)
    try manager.createDirectory(atPath: server.root + "/files/zeta", withIntermediateDirectories: true)
    for name in ["b.txt", "a <b>&\"c\".txt", "C.txt", "with space.txt"] {
      try "x".write(toFile: server.root + "/files/" + name, atomically: true, encoding: .utf8)
    }

    let redirect = try server.curl("-D", "-", "-o", "/dev/null", server.url("/site?x=1"))
    XCTAssertTrue(redirect.hasPrefix("HTTP/1.1 301 "), redirect)
    XCTAssertEqual(WebServerUnderInetd.headers(redirect)["location"], "/site/?x=1", redirect)
    XCTAssertEqual(try server.curl("-L", server.url("/site")), "<p>home</p>\n")

    let listing = try server.curl(server.url("/files/"))
    XCTAssertTrue(listing.contains("<title>Index of /files/</title>"), listing)
    let links = listing.components(separatedBy: "<a href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    for link in links {
      XCTAssertFalse(link.contains { " <>\"".contains($0) }, "\(link) is escaped")
    }
    let targets = links.map {
      $0.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&").removingPercentEncoding
    }
    XCTAssertEqual(targets, ["../", "C.txt", "a <b>&\"c\".txt", "b.txt", "with space.txt", "zeta/"], listing)
    XCTAssertTrue(listing.contains(">a &lt;b&gt;&amp;&quot;c&quot;.txt</a>"), listing)
    XCTAssertFalse(listing.contains("<b>&"), listing)
  }

  func testAnswersMalformedOversizedAndUnsupportedRequestsWithTheirStatus() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    let long = String(repeating: "a", count: 9000)
    let cases: [(request: String, status: String)] = [
      ("NOT HTTP AT ALL\\r\\n\\r\\n", "400"),
      ("GET * HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", "400"),
      ("GET http://x/?a HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n", "200"),
      ("GET /\(long) HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", "414"),
      ("GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Big: \(String(repeating: "b", count: 70000))\\r\\n\\r\\n", "431"),
      ("BREW /pot HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n", "501"),
      ("GET / HTTP/2.0\\r\\nHost: x\\r\\n\\r\\n", "505"),
    ]
    for (request, status) in cases {
      let answer = try server.python(
        """
        import socket
        s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        try:
            s.sendall(b'\(request)')
        except OSError:
            pass
        data = b''
        while True:
            try:
                chunk = s.recv(65536)
            except OSError:
                break
            if not chunk: break
            data += chunk
        print(data.split(b' ')[1].decode() if data else 'nothing')
        print(b'\\r\\nAllow: GET, HEAD, POST\\r\\n' in data)
        """)
      XCTAssertEqual(answer, "\(status)\n\(status == "501" ? "True" : "False")\n", request.prefix(40).description)
    }
  }

  func testAClientThatSendsHalfARequestGets408AndACloseWithinTheReadTimeout() throws {
    let server = try WebServerUnderInetd(extraArguments: ["-r", "2"])
    addTeardownBlock { server.stop() }
    let answer = try server.python(
      """
      import socket, time
      s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
      s.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n')
      started = time.time()
      data = b''
      while True:
          chunk = s.recv(65536)
          if not chunk: break
          data += chunk
      print(data.split(b'\\r\\n')[0].decode(), 1.5 < time.time() - started < 4)
      """)
    XCTAssertEqual(answer, "HTTP/1.1 408 Request Timeout True\n")
  }

  /// A CGI program runs as in.www's own user from the generated line (slug-www), under
  /// no-new-privileges: a set-user-ID-root copy of id(1) beside it stays slug-www.
  func testACGIRunsAsInWWWsUserAndGainsNoPrivilege() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    let setuid = server.root + "/id-setuid"
    try FileManager.default.copyItem(atPath: "/usr/bin/id", toPath: setuid)
    XCTAssertEqual(chown(setuid, 0, 0), 0)
    XCTAssertEqual(chmod(setuid, 0o4755), 0)
    try server.script(
      "/who.cgi",
      """
      #!/bin/sh
      printf 'Content-Type: text/plain\\r\\n\\r\\n'
      echo "user=$(id -un)"
      grep NoNewPrivs /proc/self/status
      echo "setuid=$(\(setuid) -un)"
      """)
    XCTAssertEqual(try server.curl(server.url("/who.cgi")), "user=slug-www\nNoNewPrivs:\t1\nsetuid=slug-www\n")
  }

  func testRunsACGIWithTheStandardVariablesAndThePostBodyOnStdin() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try FileManager.default.createDirectory(atPath: server.root + "/app", withIntermediateDirectories: true)
    try server.script(
      "/app/env.cgi",
      """
      #!/bin/sh
      printf 'Content-Type: text/plain\\r\\nX-Script: yes\\r\\n\\r\\n'
      for name in GATEWAY_INTERFACE REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_LENGTH CONTENT_TYPE \\
        REMOTE_ADDR SERVER_NAME SERVER_PORT SERVER_PROTOCOL HTTP_X_TEST HTTP_USER_AGENT; do
        eval "echo $name=\\"\\${$name-unset}\\""
      done
      echo "cwd=$(pwd)"
      echo "body=$(cat)"
      """)
    let output = try server.curl(
      "-D", "-", "-A", "tester", "-H", "X-Test: one", "-H", "Content-Type: text/x-test", "--data-binary",
      "line one\nline two", server.url("/app/env.cgi/extra/path?a=1&b=%20"))
    XCTAssertTrue(output.hasPrefix("HTTP/1.1 200 OK\r\n"), output)
    XCTAssertEqual(WebServerUnderInetd.headers(output)["x-script"], "yes", output)
    let body = output.components(separatedBy: "\r\n\r\n").dropFirst().joined()
    XCTAssertEqual(
      body,
      """
      GATEWAY_INTERFACE=CGI/1.1
      REQUEST_METHOD=POST
      SCRIPT_NAME=/app/env.cgi
      PATH_INFO=/extra/path
      QUERY_STRING=a=1&b=%20
      CONTENT_LENGTH=17
      CONTENT_TYPE=text/x-test
      REMOTE_ADDR=127.0.0.1
      SERVER_NAME=127.0.0.1
      SERVER_PORT=\(server.port)
      SERVER_PROTOCOL=HTTP/1.1
      HTTP_X_TEST=one
      HTTP_USER_AGENT=tester
      cwd=\(server.root)/app
      body=line one
      line two

      """)
  }

  func testACGIStatusAndLocationBecomeTheResponseStatus() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try server.script(
      "/login.cgi",
      """
      #!/bin/sh
      body=$(cat)
      echo "Status: 302 Found"
      echo "Location: http://example.test/welcome?$body"
      echo
      """)
    try server.script("/moved.cgi", "#!/bin/sh\necho 'Location: http://example.test/moved'\necho\n")
    try server.script("/teapot.cgi", "#!/bin/sh\necho 'Status: 418 Teapot'\necho 'Content-Type: text/plain'\necho\necho short\n")

    let login = try server.curl("-D", "-", "-o", "/dev/null", "--data-binary", "user=ann", server.url("/login.cgi"))
    XCTAssertTrue(login.hasPrefix("HTTP/1.1 302 "), login)
    XCTAssertEqual(WebServerUnderInetd.headers(login)["location"], "http://example.test/welcome?user=ann", login)
    XCTAssertEqual(try server.status(server.url("/moved.cgi")), "302")
    XCTAssertEqual(try server.curl("-w", " %{http_code}", server.url("/teapot.cgi")), "short\n 418")
  }

  func testALargeBodyReachesTheScriptWholeOrIsDroppedWithoutLosingTheAnswer() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try server.script("/count.cgi", "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nwc -c\n")
    try server.script("/ignores.cgi", "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho ignored\n")
    let body = server.directory.path + "/body"
    try Data(repeating: 0x61, count: 3_000_000).write(to: URL(fileURLWithPath: body))

    // curl sends Expect: 100-continue for a body this large and waits for the go-ahead.
    XCTAssertEqual(try server.curl("--data-binary", "@" + body, server.url("/count.cgi")), "3000000\n")
    XCTAssertEqual(try server.curl("-w", " %{http_code}", "--data-binary", "@" + body, server.url("/ignores.cgi")), "ignored\n 200")
    XCTAssertEqual(
      try server.status("-H", "Transfer-Encoding: chunked", "--data-binary", "@" + body, server.url("/count.cgi")), "411")
  }

  func testStreamsALongCGIOutputChunkedOnHTTP11AndCloseDelimitedOnHTTP10() throws {
    let server = try WebServerUnderInetd()
    addTeardownBlock { server.stop() }
    try server.script("/count.cgi", "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nseq 1 200000\n")
    let expected = try ChildProcess.run("/usr/bin/seq", ["1", "200000"]).output

    let chunked = try server.curl("-D", server.directory.path + "/head", server.url("/count.cgi"), server.url("/count.cgi"))
    XCTAssertEqual(chunked, expected + expected, "both answers whole, on one connection")
    let headers = WebServerUnderInetd.headers(try String(contentsOfFile: server.directory.path + "/head", encoding: .utf8))
    XCTAssertEqual(headers["transfer-encoding"], "chunked")
    XCTAssertNil(headers["content-length"])

    let old = try server.curl("-0", "-D", server.directory.path + "/head", server.url("/count.cgi"))
    XCTAssertEqual(old, expected)
    let oldHeaders = WebServerUnderInetd.headers(try String(contentsOfFile: server.directory.path + "/head", encoding: .utf8))
    XCTAssertEqual(oldHeaders["connection"], "close")
    XCTAssertNil(oldHeaders["transfer-encoding"])
  }

  func testAFailingSlowOrUnrunnableCGIGets500Or403() throws {
    let server = try WebServerUnderInetd(extraArguments: ["--cgi-timeout", "1"])
    addTeardownBlock { server.stop() }
    try server.script("/fails.cgi", "#!/bin/sh\necho 'Content-Type: text/plain'\necho\necho partial\necho oops >&2\nexit 3\n")
    try server.script("/sleeps.cgi", "#!/bin/sh\nsleep 31.5\n")
    try server.script("/garbage.cgi", "#!/bin/sh\necho 'no header block here'\n")
    try "#!/bin/sh\necho\n".write(toFile: server.root + "/plain.cgi", atomically: true, encoding: .utf8)

    XCTAssertEqual(try server.status(server.url("/fails.cgi")), "500")
    let started = Date()
    XCTAssertEqual(try server.status(server.url("/sleeps.cgi")), "500")
    XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    let sleeper = try ChildProcess.run("/usr/bin/pgrep", ["-f", "sleep 31.5"])
    XCTAssertEqual(sleeper.status, 1, "what the script started is killed with it: \(sleeper.output)")
    XCTAssertEqual(try server.status(server.url("/garbage.cgi")), "500")
    XCTAssertEqual(try server.status(server.url("/plain.cgi")), "403", "a script must be executable")
    let noCGI = try WebServerUnderInetd(extraArguments: ["--no-cgi"])
    addTeardownBlock { noCGI.stop() }
    try noCGI.script("/fails.cgi", "#!/bin/sh\nexit 3\n")
    XCTAssertEqual(try noCGI.curl(noCGI.url("/fails.cgi")), "#!/bin/sh\nexit 3\n", "--no-cgi serves scripts as files")
  }

  func testWritesOneCombinedLogLinePerRequestWithClientStringsEscaped() throws {
    let log = try TemporaryDirectory()
    // The log's directory is in.www's to write, as /var/log/in.www would be: it runs as its own user.
    try PrivateInetd.ensureServiceUsers()
    try PrivateInetd.give([log.path], to: "slug-www")
    let server = try WebServerUnderInetd(extraArguments: ["--log", log.path + "/access.log"])
    addTeardownBlock { server.stop() }
    try "abc".write(toFile: server.root + "/f.txt", atomically: true, encoding: .utf8)
    _ = try server.curl("-A", "agent \"quoted\"", "-e", "http://ref.test/", server.url("/f.txt"), server.url("/none"))
    let lines = try String(contentsOfFile: log.path + "/access.log", encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(lines.count, 2, lines.description)
    let pattern = #"^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "#
    XCTAssertNotNil(lines.first?.range(of: pattern, options: .regularExpression), lines.description)
    XCTAssertTrue(
      lines[0].hasSuffix(#"] "GET /f.txt HTTP/1.1" 200 3 "http://ref.test/" "agent \"quoted\"""#), String(lines[0]))
    XCTAssertTrue(lines[1].contains(#""GET /none HTTP/1.1" 404 "#), String(lines[1]))
  }
}

/// One openbsd-inetd on 127.0.0.1 running the installed in.www on a loopback port, with a
/// fresh document root; with `tls`, the generated https line instead, its certificate from a
/// TLSFixture in the tls directory beside the store the line is generated for, and the
/// daemons' syslog lines in `log`.
final class WebServerUnderInetd {
  let directory: TemporaryDirectory
  let root: String
  let port: UInt16
  let trace: String
  let superserver: ChildProcess
  let certificates: TLSFixture?
  let log: SyslogSocket?

  /// `alsoServing`: more services of the same inetd, each on its port (with its store); `binds`:
  /// the generated lines' `--bind` addresses.
  init(
    extraArguments: [String] = [], alsoServing: [(service: String, port: UInt16, database: String?)] = [],
    binds: [String] = ["127.0.0.1"], tls: Bool = false
  ) throws {
    try PrivateInetd.require(["/usr/bin/curl": "curl", "/usr/bin/python3": "python3", "/usr/bin/openssl": "openssl"])
    directory = try TemporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory.path + "/root", withIntermediateDirectories: true)
    // Canonical, as a script's working directory reads it back.
    root = URL(fileURLWithPath: directory.path + "/root").resolvingSymlinksInPath().path
    let prefix = directory.path + "/prefix"
    trace = directory.path + "/inetd.trace"
    port = try FreePort.tcp()

    try PrivateInetd.install(prefix: prefix)
    // The https line gets --tls-dir beside the store it is generated for, where the fixture goes.
    certificates = tls ? try TLSFixture(in: directory.path + "/tls") : nil
    if let certificates {
      try PrivateInetd.give([certificates.keyPath, certificates.directory + "/tickets.key"], to: "slug-www")
    }
    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: tls ? "https" : "www", port: port, database: tls ? directory.path + "/slug.db" : nil,
      binds: binds, arguments: extraArguments + [root])
      + alsoServing.flatMap {
        try PrivateInetd.generatedLines(prefix: prefix, service: $0.service, port: $0.port, database: $0.database)
      }
    // inetd needs a moment to bind; connect until it accepts.
    let port = self.port
    if tls {
      let started = try PrivateInetd.startWithPrivateLog(lines, in: directory.path, output: trace, debug: false)
      (superserver, log) = (started.superserver, started.log)
      // One probe connection: each costs a handshake failure and its log line.
      for _ in 0..<50 {
        if LoopbackSocket.acceptsTCP(port: port) { break }
        usleep(100_000)
      }
    } else {
      log = nil
      superserver = try PrivateInetd.start(lines, in: directory.path, output: trace) { LoopbackSocket.acceptsTCP(port: port) }
    }
    // The probe started an in.www; wait for its trace line so tests count only their own.
    for _ in 0..<50 where !tls && ((try? execs().count) ?? 0) == 0 { usleep(20_000) }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: port)
  }

  func url(_ path: String) -> String { "\(certificates == nil ? "http" : "https")://127.0.0.1:\(port)\(path)" }

  /// Runs curl (silent, errors shown, 10 s at most; trusting the fixture's CA, if any) and
  /// returns what it printed.
  func curl(_ arguments: String...) throws -> String {
    String(decoding: try curl(arguments, binary: true), as: UTF8.self)
  }

  func curl(_ arguments: String..., binary: Bool) throws -> Data { try curl(arguments, binary: binary) }

  private func curl(_ arguments: [String], binary: Bool) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-sS", "--max-time", "10"] + (certificates.map { ["--cacert", $0.caPath] } ?? []) + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
  }

  /// The status code curl saw.
  func status(_ arguments: String...) throws -> String {
    String(decoding: try curl(["-o", "/dev/null", "-w", "%{http_code}"] + arguments, binary: true), as: UTF8.self)
  }

  /// Writes an executable script under the document root.
  func script(_ path: String, _ text: String) throws {
    try text.write(toFile: root + path, atomically: true, encoding: .utf8)
    chmod(root + path, 0o755)
  }

  /// Runs `script` with /usr/bin/python3, PORT replaced by the service port; returns stdout.
  func python(_ script: String) throws -> String {
    try ChildProcess.run("/usr/bin/python3", ["-c", script.replacingOccurrences(of: "PORT", with: "\(port)")]).output
  }

  /// The execv lines of inetd's trace: one per process it started.
  func execs() throws -> [String] {
    try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
      .filter { $0.contains("execv") }
  }

  /// A response head's fields by lower-cased name (the last head when there are several).
  static func headers(_ response: String) -> [String: String] {
    var fields: [String: String] = [:]
    for line in response.components(separatedBy: "\r\n") {
      if line.hasPrefix("HTTP/") { fields = [:] }
      guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { continue }
      fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return fields
  }

  static func sha256(_ path: String) throws -> String {
    let result = try ChildProcess.run("/usr/bin/sha256sum", [path])
    return String(result.output.prefix(64))
  }

}

/// in.www under xinetd from the generated stanza, as its instance limits stand.
final class WWWUnderXinetdTests: XCTestCase {
  /// 20 clients at once from one address (`ab -c 20`), 2000 requests: none is refused by the
  /// stanza's `instances` and `per_source`, although xinetd counts each server until it has
  /// reaped it, nor by xinetd's rate limit (the stanza's `cps` is far above its default of 50
  /// connections a second).
  func testTwentyClientsAtOnceFromOneHostAreNeverRefused() throws {
    _ = try PrivateInetd.xinetd()
    let directory = try TemporaryDirectory()
    let port = try FreePort.tcp()
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    let root = directory.path + "/root"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    try "hello\n".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
    let generated = try PrivateInetd.generated(prefix: prefix, service: "www", port: port, format: "xinetd")
    XCTAssertTrue(generated.contains("\tinstances = ") && generated.contains("\tper_source = "), generated)
    let stanza = generated.replacingOccurrences(of: "\tflags = IPv4", with: "\tserver_args = \(root)\n\tflags = IPv4")
    let superserver = try PrivateInetd.startXinetd(stanza, in: directory.path)
    addTeardownBlock { superserver.stop() }
    for _ in 0..<50 where !LoopbackSocket.acceptsTCP(port: port) { usleep(100_000) }

    let load = try ChildProcess.run(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, threading
       results = []
       def client():
           for _ in range(100):
               try:
                   s = socket.create_connection(('127.0.0.1', \(port)), timeout=10)
                   s.sendall(b'GET /index.html HTTP/1.0\\r\\n\\r\\n')
                   data = b''
                   while True:
                       chunk = s.recv(65536)
                       if not chunk: break
                       data += chunk
                   s.close()
                   results.append('ok' if data.startswith(b'HTTP/1.1 200') else 'refused')
               except OSError as error:
                   results.append(type(error).__name__)
       threads = [threading.Thread(target=client) for _ in range(20)]
       for thread in threads: thread.start()
       for thread in threads: thread.join()
       print(len(results), sorted(set(results)))
       """])
    XCTAssertEqual(load.output, "2000 ['ok']\n")
  }
}
