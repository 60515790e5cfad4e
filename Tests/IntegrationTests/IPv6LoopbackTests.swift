import Foundation
import TestSupport
import XCTest

/// The daemons under the lines `slugctl inetd generate --bind 127.0.0.1 --bind ::1` writes for
/// openbsd-inetd, asked over ::1 by real clients: dig -6 (UDP and TCP), curl -6, swaks -6,
/// slixmpp, curl through in.proxy to an origin on [::1].
final class IPv6LoopbackTests: XCTestCase {
  static let loopbacks = ["127.0.0.1", "::1"]

  func testDigAsksOverIPv6ByUDPAndTCPAndGetsAAAA() throws {
    let server = try DNSServerUnderInetd(binds: Self.loopbacks)
    addTeardownBlock { server.stop() }
    func dig(_ arguments: String...) throws -> DigReply {
      DigReply(
        try ChildProcess.run("/usr/bin/dig", ["-6", "@::1", "-p", "\(server.port)", "+tries=1", "+time=2"] + arguments).output)
    }
    XCTAssertEqual(try dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try dig("+tcp", "nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"])
    XCTAssertEqual(try dig("printer.home", "AAAA").answers, ["printer.home. 60 IN AAAA 2001:db8::3"])
    XCTAssertEqual(try dig("+tcp", "printer.home", "AAAA").answers, ["printer.home. 60 IN AAAA 2001:db8::3"])
    XCTAssertEqual(try server.dig("nas.home", "A").answers, ["nas.home. 60 IN A 192.168.0.2"], "IPv4 still answers")
  }

  func testCurlReachesInWWWOverIPv6AndACGISeesTheClientsAddress() throws {
    let server = try WebServerUnderInetd(binds: Self.loopbacks)
    addTeardownBlock { server.stop() }
    try server.script("/addr.cgi", "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"$REMOTE_ADDR $SERVER_ADDR\"\n")
    XCTAssertEqual(try server.curl("-6", "http://[::1]:\(server.port)/addr.cgi"), "::1 ::1\n")
    XCTAssertEqual(try server.curl("-4", server.url("/addr.cgi")), "127.0.0.1 127.0.0.1\n")
  }

  func testSwaksRelaysOverIPv6AndTheReceivedHeaderNamesAnIPv6Literal() throws {
    try PrivateInetd.require(["/usr/bin/swaks": "swaks"])
    let directory = try TemporaryDirectory()
    let prefix = directory.path + "/prefix"
    let port = try FreePort.tcp()
    try PrivateInetd.install(prefix: prefix)
    let spool = directory.path + "/spool"
    try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
    try PrivateInetd.give([directory.path, spool], to: "slug-smtp")
    let recorder = directory.path + "/sendmail"
    try "#!/bin/sh\n/bin/cat > \(directory.path)/mail.$$\n".write(toFile: recorder, atomically: true, encoding: .utf8)
    chmod(recorder, 0o755)
    let lines = try PrivateInetd.generatedLines(
      prefix: prefix, service: "smtp", port: port, binds: Self.loopbacks,
      arguments: ["-s", recorder, "--hostname", "relay.test", "--spool", spool, "--allow", "::1"])
    let superserver = try PrivateInetd.start(lines, in: directory.path, output: directory.path + "/inetd.log") {
      LoopbackSocket.acceptsTCP(port: port)
    }
    addTeardownBlock { superserver.stop() }

    let run = try ChildProcess.run(
      "/usr/bin/swaks", ["-6", "-s", "::1", "-p", "\(port)", "--timeout", "20", "-f", "a@home.lan", "-t", "b@example.org"])
    XCTAssertEqual(run.status, 0, run.output)
    let mails = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("mail.") }
    XCTAssertEqual(mails.count, 1, run.output)
    let mail = try String(contentsOfFile: directory.path + "/" + (mails.first ?? ""), encoding: .utf8)
    XCTAssertTrue(mail.hasPrefix("Received: from "), mail)
    XCTAssertTrue(mail.contains("([IPv6:::1])\n\tby relay.test (in.smtp)"), mail)
    // Only ::1 may relay: 127.0.0.1 may not send to another domain.
    let refused = try ChildProcess.run(
      "/usr/bin/swaks", ["-4", "-s", "127.0.0.1", "-p", "\(port)", "--timeout", "20", "-f", "a@home.lan", "-t", "b@example.org"])
    XCTAssertNotEqual(refused.status, 0, refused.output)
  }

  func testXMPPClientsLogInAndExchangeMessagesOverIPv6() throws {
    let server = try JabberServerUnderInetd(users: ["alice": "a1", "bob": "b1"], binds: Self.loopbacks)
    addTeardownBlock { server.stop() }
    let result = try ChildProcess.run(
      "/usr/bin/python3", [JabberServerUnderInetd.script, "[::1]:\(server.port)", "localhost", "group", "alice:a1", "bob:b1"])
    let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
    let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], result.output)
    XCTAssertEqual(report["all_seen"] as? Bool, true, "\(report)")
    XCTAssertEqual(report["all_received"] as? Bool, true, "\(report)")
  }

  func testInProxyFetchesFromAnOriginOnIPv6ByItsLiteralAddress() throws {
    let directory = try TemporaryDirectory()
    let prefix = directory.path + "/prefix"
    let port = try FreePort.tcp()
    let originPort = try FreePort.tcp()
    let origin = try ChildProcess(
      "/usr/bin/python3",
      ["-c",
       """
       import socket, socketserver, sys
       from http.server import HTTPServer, BaseHTTPRequestHandler
       class Handler(BaseHTTPRequestHandler):
           def log_message(self, *arguments):
               pass
           def do_GET(self):
               body = ('%s from %s\\n' % (self.path, self.client_address[0])).encode()
               self.send_response(200)
               self.send_header('Content-Length', str(len(body)))
               self.end_headers()
               self.wfile.write(body)
       class Server(HTTPServer):
           address_family = socket.AF_INET6
           # HTTPServer's own would ask the system's DNS server for ::1's name (getfqdn).
           def server_bind(self):
               socketserver.TCPServer.server_bind(self)
               self.server_name, self.server_port = 'localhost', self.server_address[1]
       Server(('::1', \(originPort)), Handler).serve_forever()
       """], outputPath: directory.path + "/origin.log")
    addTeardownBlock { origin.stop() }
    try PrivateInetd.install(prefix: prefix)
    let lines = try PrivateInetd.generatedLines(prefix: prefix, service: "proxy", port: port, binds: Self.loopbacks, arguments: ["--allow-destination ::1/128"])
    let superserver = try PrivateInetd.start(lines, in: directory.path, output: directory.path + "/inetd.trace") {
      LoopbackSocket.acceptsTCP(port: port)
    }
    addTeardownBlock { superserver.stop() }
    var fetched: (status: Int32, output: String) = (0, "")
    for _ in 0..<50 {
      fetched = try ChildProcess.run(
        "/usr/bin/curl", ["-sS", "--max-time", "10", "-6", "-x", "http://[::1]:\(port)", "http://[::1]:\(originPort)/six"])
      if fetched.output.hasPrefix("/six") { break }
      usleep(100_000)
    }
    XCTAssertEqual(fetched.output, "/six from ::1\n")
  }
}
