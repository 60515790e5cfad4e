import Foundation
import TestSupport
import XCTest

/// slug-tls on its own, with a stand-in daemon (tls_fake_daemon.py) that hands it each
/// connection as TLSHandoff does, against real clients verifying the fixture's CA.
final class TLSHelperTests: XCTestCase {
  private var directory: TemporaryDirectory!
  private var fixture: TLSFixture!
  private var daemon: ChildProcess?
  private var port: UInt16 = 0

  override func setUpWithError() throws {
    directory = try TemporaryDirectory()
    fixture = try TLSFixture(in: directory.path + "/tls")
  }

  override func tearDown() {
    daemon?.stop()
    daemon = nil
    directory = nil
  }

  private var sessionsPath: String { directory.path + "/sessions" }
  private var logPath: String { directory.path + "/log" }

  private func startDaemon(timeout: Int = 20) throws {
    port = try FreePort.tcp()
    let script = BuildProducts.packageRoot + "/Tests/IntegrationTests/tls_fake_daemon.py"
    daemon = try ChildProcess(
      "/usr/bin/python3",
      [script, try BuildProducts.binDirectory() + "/slug-tls", fixture.directory, String(port), sessionsPath,
       logPath, String(timeout)],
      outputPath: directory.path + "/daemon.out")
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
      if (try? String(contentsOfFile: directory.path + "/daemon.out", encoding: .utf8))?.contains("ready") == true {
        return
      }
      usleep(20_000)
    }
    XCTFail("the stand-in daemon did not start")
  }

  /// The session lines slug-tls wrote, once `count` connections have reported.
  private func sessions(count: Int) -> [String] {
    let deadline = Date().addingTimeInterval(10)
    var lines: [String] = []
    while Date() < deadline {
      lines = ((try? String(contentsOfFile: sessionsPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
      if lines.count >= count { break }
      usleep(20_000)
    }
    return lines
  }

  private func log(containing text: String, within seconds: Double = 10) -> String {
    let deadline = Date().addingTimeInterval(seconds)
    var log = ""
    while Date() < deadline {
      log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
      if log.contains(text) { break }
      usleep(20_000)
    }
    return log
  }

  private func python(_ source: String) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/bin/python3", ["-c", source])
  }

  private func openssl(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
    // The input stays open a moment: TLS 1.3 tickets come after the handshake.
    let script = "(printf '\(input)'; sleep 0.5) | timeout 10 openssl " + arguments.map { "'\($0)'" }.joined(separator: " ")
    return try ChildProcess.run("/bin/sh", ["-c", script])
  }

  func testAVerifyingClientTalksThroughItAndTheSessionIsReported() throws {
    try startDaemon()
    let client = try python(
      """
      import socket, ssl
      context = ssl.create_default_context(cafile="\(fixture.caPath)")
      with context.wrap_socket(socket.create_connection(("127.0.0.1", \(port))), server_hostname="localhost") as s:
          s.sendall(b"x" * 200000 + b"\\n")
          got = b""
          while len(got) < 200006:
              data = s.recv(65536)
              if not data: break
              got += data
          print(s.version(), len(got), got[:6])
      """)
    XCTAssertEqual(client.status, 0, client.output)
    XCTAssertTrue(client.output.contains("TLSv1.3 200006 b'echo x'"), client.output)
    let line = try XCTUnwrap(sessions(count: 1).first)
    XCTAssertTrue(line.hasPrefix("TLS version=TLSv1.3 cipher=TLS13-"), line)
    XCTAssertTrue(line.contains(" resumed=0 sni=localhost "), line)

    // tls-server-end-point is the SHA-256 of the leaf as sent.
    let digest = try ChildProcess.run(
      "/bin/sh", ["-c", "openssl x509 -in '\(fixture.chainPath)' -outform der | openssl dgst -sha256 -r | cut -c1-64"])
    XCTAssertTrue(line.hasSuffix("end-point=" + digest.output.trimmingCharacters(in: .whitespacesAndNewlines)), line)
  }

  func testTheExporterIsWhatTheClientDerives() throws {
    try startDaemon()
    let result = try openssl(
      ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.caPath, "-verify_return_error",
       "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32"], input: "hi\\n")
    XCTAssertEqual(result.status, 0, result.output)
    let material = try XCTUnwrap(
      result.output.split(separator: "\n").first { $0.contains("Keying material:") }?.split(separator: " ").last)
    let line = try XCTUnwrap(sessions(count: 1).first)
    XCTAssertTrue(line.contains(" exporter=\(material.lowercased()) "), "\(line) / \(material)")
  }

  func testAClientThatDoesNotTrustTheCAFails() throws {
    try startDaemon()
    let client = try python(
      """
      import socket, ssl
      context = ssl.create_default_context()
      try:
          context.wrap_socket(socket.create_connection(("127.0.0.1", \(port))), server_hostname="localhost")
          print("connected")
      except ssl.SSLCertVerificationError as error:
          print("refused", error.verify_message)
      """)
    XCTAssertTrue(client.output.contains("refused"), client.output)
  }

  /// inetd starts a process per connection: a ticket one slug-tls issued resumes in another.
  /// A new tickets.key ends that.
  func testSessionsResumeAcrossProcessesUntilTheTicketSecretChanges() throws {
    try startDaemon()
    let saved = directory.path + "/session.pem"
    let common = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.caPath, "-verify_return_error"]
    XCTAssertEqual(try openssl(common + ["-sess_out", saved], input: "a\\n").status, 0)
    let again = try openssl(common + ["-sess_in", saved], input: "b\\n")
    XCTAssertTrue(again.output.contains("Reused, TLSv1.3"), again.output)
    var lines = sessions(count: 2)
    XCTAssertTrue(lines.last?.contains(" resumed=1 ") == true, "\(lines)")

    FileManager.default.createFile(
      atPath: fixture.directory + "/tickets.key", contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
    let after = try openssl(common + ["-sess_in", saved], input: "c\\n")
    XCTAssertTrue(after.output.contains("New, TLSv1.3"), after.output)
    lines = sessions(count: 3)
    XCTAssertTrue(lines.last?.contains(" resumed=0 ") == true, "\(lines)")
  }

  func testOnlyTLS12AndUpWithForwardSecrecy() throws {
    try startDaemon()
    let base = ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.caPath]
    let twelve = try openssl(base + ["-tls1_2"], input: "a\\n")
    XCTAssertTrue(twelve.output.contains("Cipher is ECDHE-ECDSA-"), twelve.output)
    XCTAssertNotEqual(try openssl(base + ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"], input: "a\\n").status, 0)
    // Key exchange without an ephemeral key: refused.
    XCTAssertNotEqual(try openssl(base + ["-tls1_2", "-cipher", "AES128-GCM-SHA256"], input: "a\\n").status, 0)
  }

  func testGarbageAndAStallEndOnlyThatConnection() throws {
    try startDaemon(timeout: 2)
    let client = try python(
      """
      import socket, time
      s = socket.create_connection(("127.0.0.1", \(port)))
      s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
      try:
          print("garbage got", s.recv(100))
      except ConnectionResetError:
          print("garbage got reset")
      start = time.time()
      s = socket.create_connection(("127.0.0.1", \(port)))
      print("stall got", s.recv(100), round(time.time() - start))
      """)
    XCTAssertTrue(client.output.contains("garbage got"), client.output)
    XCTAssertTrue(client.output.contains("stall got b'' 2"), client.output)
    var text = log(containing: "timed out")
    XCTAssertTrue(text.contains("]: TLS handshake with 127.0.0.1 failed: "), text)
    XCTAssertTrue(text.contains("]: TLS handshake with 127.0.0.1 timed out"), text)
    // The next client is served.
    let next = try openssl(
      ["s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", fixture.caPath, "-verify_return_error"], input: "a\\n")
    XCTAssertEqual(next.status, 0, next.output)
    text = log(containing: "never", within: 1)
    XCTAssertEqual(text.components(separatedBy: "\n").filter { !$0.isEmpty }.count, 2, text)
  }

  /// A client that leaves while the daemon is still at work: the helper waits for the daemon
  /// without spinning (poll reports the client's hang-up whatever it is asked).
  func testAClientGoneWhileTheDaemonWorksCostsNoCPU() throws {
    try startDaemon()
    let client = try python(
      """
      import socket, ssl, subprocess, time
      context = ssl.create_default_context(cafile="\(fixture.caPath)")
      s = context.wrap_socket(socket.create_connection(("127.0.0.1", \(port))), server_hostname="localhost")
      s.sendall(b"slow\\n")
      time.sleep(0.2)
      pid = subprocess.check_output(["pgrep", "-n", "-x", "slug-tls"]).split()[0].decode()
      s.close()
      time.sleep(1.5)
      fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
      print("cpu ticks", int(fields[11]) + int(fields[12]), "of", __import__("os").sysconf("SC_CLK_TCK"))
      """)
    let words = client.output.split(separator: " ")
    XCTAssertEqual(words.first, "cpu", client.output)
    let ticks = Int(words.dropFirst(2).first ?? "") ?? 1000
    XCTAssertLessThan(ticks, 20, "slug-tls used \(ticks) ticks in 1.5 s waiting for the daemon: \(client.output)")
  }

  func testCheckNamesWhatIsWrong() throws {
    let helper = try BuildProducts.binDirectory() + "/slug-tls"
    var result = try ChildProcess.run(helper, ["--check", "--dir", fixture.directory])
    XCTAssertEqual(result.status, 0, result.output)
    XCTAssertEqual(result.output, "tls ok \(fixture.directory)\n")

    // A key of another certificate.
    try FileManager.default.removeItem(atPath: fixture.keyPath)
    try FileManager.default.copyItem(atPath: fixture.directory + "/ca.key", toPath: fixture.keyPath)
    result = try ChildProcess.run(helper, ["--check", "--dir", fixture.directory])
    XCTAssertEqual(result.status, 78, result.output)
    XCTAssertTrue(result.output.contains("server.key does not match the certificate in"), result.output)

    try FileManager.default.removeItem(atPath: fixture.keyPath)
    result = try ChildProcess.run(helper, ["--check", "--dir", fixture.directory])
    XCTAssertEqual(result.status, 78, result.output)
    XCTAssertTrue(result.output.contains("server.key: missing"), result.output)

    let expired = try TLSFixture(in: directory.path + "/expired", days: 0)
    sleep(1)
    result = try ChildProcess.run(helper, ["--check", "--dir", expired.directory])
    XCTAssertEqual(result.status, 78, result.output)
    XCTAssertTrue(result.output.contains("server.pem: the certificate has expired"), result.output)
  }
}
