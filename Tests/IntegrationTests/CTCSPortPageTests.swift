import Foundation
import Glibc
import Runtime
import Store
import TestSupport
import XCTest

/// in.ctcs's own port (the generated inetd line, under a real openbsd-inetd) serves the torrent
/// page to a browser as well as ctorrent's conversation, as the original CTCS did on its one
/// port; and torrents.cgi, run with no access to the store at all, shows the page by relaying
/// to that port.
final class CTCSPortPageTests: XCTestCase {
  func testThePortServesThePageAndAFormWithItsTokenChangesTheQueueAndCtorrentIsStillServed() throws {
    let server = try CTCSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 31)
    let name = try XCTUnwrap(server.store().torrent(id: id)).name
    let url = "http://127.0.0.1:\(server.port)/"

    let page = try Self.curl("-i", url)
    XCTAssertTrue(page.hasPrefix("HTTP/1.1 200 OK\r\n"), page)
    for shown in [
      "Connection: close", "Cache-Control: no-store", "X-Frame-Options: DENY", "<tr id=\"torrent-\(id)\">",
      "<a href=\"/?torrent=\(id)\">\(name)</a>", "<form method=\"post\" action=\"/\">", "content=\"10; url=/\"",
    ] {
      XCTAssertTrue(page.contains(shown), "missing \(shown) in:\n\(page)")
    }
    let head = try Self.curl("-I", url)
    XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n") && !head.contains("<html"), head)
    let detail = try Self.curl(url + "?torrent=\(id)")
    XCTAssertTrue(detail.contains("<td id=\"state\">queued</td>") && detail.contains("<a href=\"/\">All torrents</a>"), detail)

    let pause = try XCTUnwrap(TorrentWeb.token(in: page, action: "pause", id: id), page)
    let resume = try XCTUnwrap(TorrentWeb.token(in: page, action: "resume", id: id), page)
    let forged = try Self.curl("-i", "--data", "action=pause", "--data", "id=\(id)", "--data", "token=\(resume)", url)
    XCTAssertTrue(forged.hasPrefix("HTTP/1.1 403"), forged)
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .queued, "a refused form changes nothing")
    let paused = try Self.curl("-i", "--data", "action=pause", "--data", "id=\(id)", "--data", "token=\(pause)", url)
    XCTAssertTrue(paused.hasPrefix("HTTP/1.1 303"), paused)
    XCTAssertTrue(paused.contains("Location: /?sent=pause&id=\(id)\r\n"), paused)
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .paused)
    XCTAssertTrue(try Self.curl(url + "?sent=pause&id=\(id)").contains("Sent pause to torrent \(id)."))

    // A browser on this machine that names a script path gets links to it, and no more power.
    let named = try Self.curl("-H", "Slug-Script-Name: /elsewhere.cgi", url)
    XCTAssertTrue(named.contains("<a href=\"/elsewhere.cgi?torrent=\(id)\">"), named)
    let quoted = try Self.curl("-H", "Slug-Script-Name: /x\"><script>", url)
    XCTAssertTrue(quoted.contains("<a href=\"/?torrent=\(id)\">") && !quoted.contains("<script>"), quoted)

    // ctorrent on the same port: the server waits for its first line, then speaks as before
    // (and tells it the torrent is paused, as the page left it).
    let script = """
      import socket
      s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
      s.sendall(b'PROTOCOL 0003\\nCTORRENT -CD0302-W 1 2 QUEUED\\n')
      data = b''
      while b'SENDCONF' not in data:
          chunk = s.recv(4096)
          if not chunk: break
          data += chunk
      print(data.decode().replace('\\r\\n', '|'))
      """.replacingOccurrences(of: "QUEUED", with: server.queuedFile(id))
    XCTAssertEqual(try server.python(script), "PROTOCOL 0003|CTCONFIG pause 1|SENDDETAIL|SENDPEERS|SENDCONF|\n")
    _ = try server.waitFor("the ctorrent recorded after the browsers") { store in
      try store.torrent(id: id).flatMap { $0.status.peerID == "-CD0302-W" ? $0 : nil }
    }
  }

  func testBadRequestsGetTheirHTTPErrorAndNoProcessCrashes() throws {
    let server = try CTCSServerUnderInetd(extraArguments: ["-t", "2"])
    addTeardownBlock { server.stop() }
    let script = """
      import socket, sys, time
      def ask(payload, wait=False):
          s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
          s.sendall(payload)
          start = time.monotonic()
          data = b''
          try:
              while True:
                  chunk = s.recv(65536)
                  if not chunk: break
                  data += chunk
          except OSError as error:
              data += b' ' + str(error).encode()
          s.close()
          line = data.split(b'\\r\\n')[0].decode()
          allow = [h for h in data.split(b'\\r\\n') if h.startswith(b'Allow:')]
          took = ' after %d s' % round(time.monotonic() - start) if wait else ''
          print(line + (' ' + allow[0].decode() if allow else '') + took)
      ask(b'GET / HTTP/1.1\\r\\n\\r\\n')
      ask(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 1, 2\\r\\n\\r\\n')
      ask(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nX: ' + b'a' * 20000 + b'\\r\\n\\r\\n')
      ask(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 99999999\\r\\n\\r\\n' + b'x' * 100000)
      ask(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n')
      ask(b'PUT / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
      ask(b'GET /../../etc/passwd HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
      ask(b'GET / HTTP/2.0\\r\\n\\r\\n')
      ask(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: text/plain\\r\\nContent-Length: 3\\r\\n\\r\\nabc')
      ask(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n', wait=True)
      ask(b'POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 10\\r\\n\\r\\nab', wait=True)
      ask(b'GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')
      """
    XCTAssertEqual(
      try server.python(script),
      """
      HTTP/1.1 400 Bad Request
      HTTP/1.1 400 Bad Request
      HTTP/1.1 431 Request Header Fields Too Large
      HTTP/1.1 413 Content Too Large
      HTTP/1.1 411 Length Required
      HTTP/1.1 405 Method Not Allowed Allow: GET, HEAD, POST
      HTTP/1.1 404 Not Found
      HTTP/1.1 505 HTTP Version Not Supported
      HTTP/1.1 400 Bad Request
      HTTP/1.1 408 Request Timeout after 2 s
      HTTP/1.1 408 Request Timeout after 2 s
      HTTP/1.1 200 OK

      """)
    // Every in.ctcs inetd started (one for its readiness probe, one per request) ended with
    // status 0.
    var trace = ""
    var reaped: [Substring] = []
    for _ in 0..<50 where reaped.count < 13 {
      usleep(100_000)
      trace = try String(contentsOfFile: server.trace, encoding: .utf8)
      reaped = trace.split(separator: "\n").filter { $0.contains("reaped, status") }
    }
    XCTAssertEqual(reaped.count, 13, trace)
    XCTAssertEqual(reaped.filter { !$0.hasSuffix("status 0") }, [], trace)
  }

  func testTorrentsCgiWithNoStoreAccessShowsThePageThroughTheRelayAndSaysWhenInCtcsIsAway() throws {
    let server = try CTCSServerUnderInetd()
    addTeardownBlock { server.stop() }
    let id = try server.queueTorrent(size: 300_000, seed: 32)
    let name = try XCTUnwrap(server.store().torrent(id: id)).name
    // The store is as init left it, root's and the group slug's (in.ctcs runs in it); nobody,
    // as a CGI of in.www's user, may reach the program, not the store.
    XCTAssertEqual(chmod(server.directory.path, 0o711), 0)
    let program = server.prefix + "/sbin/in.ctcs"
    let unreadable = try ChildProcess.run("/usr/bin/setpriv", Self.nobody + ["/bin/cat", server.database])
    XCTAssertNotEqual(unreadable.status, 0, "nobody cannot read the store")

    let cgi = ["--cgi", "--ctcs", "127.0.0.1:\(server.port)"]
    let environment = ["SCRIPT_NAME=/cgi-bin/torrents.cgi", "REMOTE_ADDR=192.0.2.9", "PATH_INFO="]
    let page = try Self.asNobody(program, cgi, environment + ["REQUEST_METHOD=GET", "QUERY_STRING="])
    XCTAssertEqual(page.status, 0, page.output)
    XCTAssertTrue(page.output.hasPrefix("Status: 200 OK\r\n"), page.output)
    XCTAssertFalse(page.output.contains("Content-Length") || page.output.contains("Connection:"), "in.www frames the answer")
    XCTAssertTrue(page.output.contains("<a href=\"/cgi-bin/torrents.cgi?torrent=\(id)\">\(name)</a>"), page.output)
    XCTAssertTrue(page.output.contains("<form method=\"post\" action=\"/cgi-bin/torrents.cgi\">"), page.output)

    // A form relayed with its token works as a browser's does; without it, it is refused.
    let token = try XCTUnwrap(TorrentWeb.token(in: page.output, action: "pause", id: id), page.output)
    let form = "action=pause&id=\(id)&token=\(token)"
    let post = environment + ["REQUEST_METHOD=POST", "QUERY_STRING=", "CONTENT_TYPE=application/x-www-form-urlencoded"]
    let refused = try Self.asNobody(
      program, cgi, post + ["CONTENT_LENGTH=\(form.utf8.count)"], input: String(form.dropLast(3)) + "bad")
    XCTAssertTrue(refused.output.hasPrefix("Status: 403 Forbidden\r\n"), refused.output)
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .queued)
    let paused = try Self.asNobody(program, cgi, post + ["CONTENT_LENGTH=\(form.utf8.count)"], input: form)
    XCTAssertTrue(paused.output.hasPrefix("Status: 303 See Other\r\n"), paused.output)
    XCTAssertTrue(paused.output.contains("Location: /cgi-bin/torrents.cgi?sent=pause&id=\(id)\r\n"), paused.output)
    XCTAssertEqual(try server.store().torrent(id: id)?.state, .paused)

    let away = try FreePort.tcp()
    let unreachable = try Self.asNobody(
      program, ["--cgi", "--ctcs", "127.0.0.1:\(away)"], environment + ["REQUEST_METHOD=GET", "QUERY_STRING="])
    XCTAssertEqual(unreachable.status, 0, unreachable.output)
    XCTAssertTrue(unreachable.output.hasPrefix("Status: 503 Service Unavailable\r\n"), unreachable.output)
    XCTAssertTrue(
      unreachable.output.contains("The torrent service (in.ctcs at 127.0.0.1:\(away)) cannot be reached: Connection refused."),
      unreachable.output)
  }

  func testTheRelaySendsItsRequestAsHTTPAndAnswers502WhenNoHTTPComesBack() throws {
    let script = """
      import socket, subprocess, sys
      def relay(answer):
          listener = socket.socket()
          listener.bind(('127.0.0.1', 0))
          listener.listen(1)
          env = {'REQUEST_METHOD': 'POST', 'QUERY_STRING': 'a=1', 'SCRIPT_NAME': '/cgi bin/t.cgi', 'PATH_INFO': '',
                 'REMOTE_ADDR': '192.0.2.7', 'CONTENT_TYPE': 'application/x-www-form-urlencoded', 'CONTENT_LENGTH': '3'}
          address = '127.0.0.1:%d' % listener.getsockname()[1]
          child = subprocess.Popen([sys.argv[1], '--cgi', '--ctcs', address], env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
          child.stdin.write(b'x=y')
          child.stdin.close()
          connection, _ = listener.accept()
          request = b''
          while not request.endswith(b'x=y'):
              request += connection.recv(65536)
          connection.sendall(answer)
          connection.close()
          out, err = child.stdout.read(), child.stderr.read()
          child.wait(timeout=10)
          print(child.returncode, out.decode().split('\\r\\n')[0], '|', err.decode().strip().split(': ', 1)[-1].replace(address, 'ADDRESS'))
          return request.decode()
      print(relay(b'SSH-2.0-OpenSSH\\r\\n\\r\\n').replace('\\r\\n', '|'))
      relay(b'PROTOCOL 0003\\r\\n')
      relay(b'')
      """
    let output = try ChildProcess.run("/usr/bin/python3", ["-c", script, try BuildProducts.binDirectory() + "/in.ctcs"]).output
    let lines = output.split(separator: "\n").map(String.init)
    XCTAssertEqual(lines.count, 4, output)
    XCTAssertEqual(
      lines.first,
      "0 Status: 502 Bad Gateway | in.ctcs at ADDRESS gave an answer that is not HTTP "
        + "(bad request: a malformed status line).", output)
    XCTAssertTrue(lines.dropFirst().first?.hasPrefix("POST /?a=1 HTTP/1.1|Host: 127.0.0.1:") == true, output)
    XCTAssertTrue(
      lines.dropFirst().first?.hasSuffix(
        "|Content-Type: application/x-www-form-urlencoded|Content-Length: 3|Connection: close"
          + "|Slug-Script-Name: /cgi%20bin/t.cgi|Slug-Client: 192.0.2.7||x=y") == true, output)
    XCTAssertEqual(
      lines.dropFirst(2), [
        "0 Status: 502 Bad Gateway | in.ctcs at ADDRESS stopped before the end of its answer's head.",
        "0 Status: 502 Bad Gateway | in.ctcs at ADDRESS closed without an answer.",
      ], output)
  }

  static let nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]

  /// PROGRAM run as nobody with only ENVIRONMENT, INPUT on its standard input; its status and
  /// standard output (the CGI answer).
  static func asNobody(
    _ program: String, _ arguments: [String], _ environment: [String], input: String = ""
  ) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    process.arguments = nobody + ["/usr/bin/env", "-i"] + environment + [program] + arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
  }

  static func curl(_ arguments: String...) throws -> String {
    try ChildProcess.run("/usr/bin/curl", ["-sS", "--max-time", "10"] + arguments).output
  }
}
