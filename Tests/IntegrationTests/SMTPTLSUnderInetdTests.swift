import Foundation
import TestSupport
import XCTest

/// in.smtp with TLS as users run it: installed by `slugctl install`, the smtp, submission and
/// submissions lines `slugctl inetd generate` writes (unedited but for `--args`), a store with
/// jabber accounts from `slugctl jabber adduser`, and a certificate in the TLS directory beside
/// the store (TLSFixture, made with the openssl command). Real clients at their default,
/// verifying settings against the fixture's CA: swaks, python3's smtplib, openssl s_client.
final class SMTPTLSUnderInetdTests: XCTestCase {
  func testSwaksSubmitsOverSTARTTLSWithAUTHPLAINAndLOGINAndTheMessageIsRelayedToAnotherDomain() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    for mechanism in ["PLAIN", "LOGIN"] {
      let run = try box.swaks(
        port: box.submission, "--tls", "--tls-verify", "--tls-ca-path", box.tls.caPath, "--auth", mechanism,
        "--auth-user", "alice", "--auth-password", "s3cret", "-f", "alice@localhost", "-t", "bob@example.org")
      XCTAssertEqual(run.status, 0, run.output)
      XCTAssertTrue(run.output.contains("<-  250-STARTTLS"), run.output)
      XCTAssertTrue(run.output.contains("<~  235 2.7.0 Authentication successful"), run.output)
    }
    let mails = try box.deliveries()
    XCTAssertEqual(mails.map(\.argv), Array(repeating: ["-i", "-f", "alice@localhost", "--", "bob@example.org"], count: 2))
    let received = mails.first?.text ?? ""
    XCTAssertTrue(received.hasPrefix("Received: from "), received)
    XCTAssertTrue(received.contains("([127.0.0.1])\n\t(using TLSv1."), received)
    XCTAssertTrue(received.contains(")\n\t(authenticated as alice)\n\tby relay.test (in.smtp) with ESMTPSA id "), received)
    let logged = box.log.lines().joined(separator: "\n")
    XCTAssertTrue(logged.contains("AUTH alice from 127.0.0.1"), logged)
  }

  func testSwaksSubmitsOverImplicitTLSOn465() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let run = try box.swaks(
      port: box.submissions, "--tlsc", "--tls-verify", "--tls-ca-path", box.tls.caPath, "--auth", "PLAIN",
      "--auth-user", "alice@localhost", "--auth-password", "s3cret", "-f", "alice@localhost", "-t", "carol@example.net")
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertFalse(run.output.contains("STARTTLS"), "no STARTTLS inside TLS: \(run.output)")
    XCTAssertEqual(try box.deliveries().map(\.argv), [["-i", "-f", "alice@localhost", "--", "carol@example.net"]])
  }

  func testSmtplibStartTLSAndLoginVerifyingTheCAAndOpenSSLSClient() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let run = try box.python(
      """
      import smtplib, ssl
      s = smtplib.SMTP('127.0.0.1', \(box.submission), timeout=20)
      s.starttls(context=ssl.create_default_context(cafile='\(box.tls.caPath)'))
      s.login('alice', 's3cret')
      print(s.sendmail('alice@localhost', ['dave@example.com'], b'Subject: smtplib\\r\\n\\r\\nover TLS\\r\\n'))
      s.quit()
      """)
    XCTAssertEqual(run.output, "{}\n")
    XCTAssertTrue(try box.deliveries().last?.text.hasSuffix("\n\nover TLS\n") ?? false)

    let openssl = try ChildProcess.run(
      "/bin/sh",
      ["-c", "printf 'EHLO pc\\r\\nQUIT\\r\\n' | /usr/bin/openssl s_client -connect 127.0.0.1:\(box.smtp) -starttls smtp "
        + "-CAfile \(box.tls.caPath) -verify_return_error -quiet -ign_eof 2>&1"])
    XCTAssertEqual(openssl.status, 0, openssl.output)
    XCTAssertTrue(openssl.output.contains("250-AUTH PLAIN LOGIN"), openssl.output)
    XCTAssertTrue(openssl.output.contains("221 2.0.0 relay.test closing connection"), openssl.output)
  }

  func testClientsThatDoNotTrustTheCAFail() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let other = try TemporaryDirectory()
    let stranger = try TLSFixture(in: other.path + "/tls")
    let openssl = try ChildProcess.run(
      "/bin/sh",
      ["-c", "printf 'QUIT\\r\\n' | /usr/bin/openssl s_client -connect 127.0.0.1:\(box.smtp) -starttls smtp "
        + "-CAfile \(stranger.caPath) -verify_return_error -quiet 2>&1"])
    XCTAssertNotEqual(openssl.status, 0, openssl.output)
    let smtplib = try box.python(
      """
      import smtplib, ssl
      s = smtplib.SMTP('127.0.0.1', \(box.submission), timeout=20)
      try:
          s.starttls(context=ssl.create_default_context(cafile='\(stranger.caPath)'))
          print('trusted')
      except ssl.SSLCertVerificationError as error:
          print('refused', error.verify_message)
      """)
    // The chain ends with our CA, which the stranger's CA did not sign.
    XCTAssertEqual(smtplib.output, "refused self-signed certificate in certificate chain\n")
    XCTAssertEqual(try box.deliveries().count, 0)
  }

  func testAUTHWithoutTLSSubmissionWithoutAUTHAndAWrongPasswordAreRefused() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let run = try box.python(
      """
      import smtplib, ssl
      s = smtplib.SMTP('127.0.0.1', \(box.submission), timeout=20)
      s.ehlo('pc')
      print('auth' in s.esmtp_features, s.docmd('AUTH', 'PLAIN AGFsaWNlAHMzY3JldA=='))
      print(s.docmd('MAIL', 'FROM:<alice@localhost>'))
      s.starttls(context=ssl.create_default_context(cafile='\(box.tls.caPath)'))
      s.ehlo('pc')
      print(s.docmd('MAIL', 'FROM:<alice@localhost>'))
      try:
          s.login('alice', 'wrong')
      except smtplib.SMTPAuthenticationError as error:
          print(error.smtp_code, error.smtp_error.decode())
      """)
    XCTAssertEqual(
      run.output,
      """
      False (538, b'5.7.11 Encryption required for requested authentication mechanism')
      (530, b'5.7.0 Authentication required')
      (530, b'5.7.0 Authentication required')
      535 5.7.8 Authentication credentials invalid

      """)
    XCTAssertEqual(try box.deliveries().count, 0)
    let logged = box.log.lines().joined(separator: "\n")
    XCTAssertTrue(logged.contains("DENIED AUTH alice from 127.0.0.1"), logged)
  }

  /// The STARTTLS injection class (CVE-2011-0411 and kin): commands an attacker puts behind
  /// STARTTLS in the same packet must not run inside the TLS session.
  func testCommandsPipelinedBehindSTARTTLSAreDiscarded() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let run = try box.python(
      """
      import socket, ssl
      raw = socket.create_connection(('127.0.0.1', \(box.smtp)), timeout=20)
      def reply(sock):
          data = b''
          while not any(line[3:4] == b' ' for line in data.split(b'\\r\\n')):
              data += sock.recv(4096)
          return data.decode().split('\\r\\n')[-2]
      reply(raw)
      raw.sendall(b'EHLO pc\\r\\n')
      reply(raw)
      raw.sendall(b'STARTTLS\\r\\nMAIL FROM:<x@evil>\\r\\n')
      print(reply(raw))
      tls = ssl.create_default_context(cafile='\(box.tls.caPath)').wrap_socket(raw, server_hostname='localhost')
      tls.sendall(b'EHLO pc\\r\\n')
      reply(tls)
      tls.sendall(b'RCPT TO:<y@localhost>\\r\\n')
      print(reply(tls))
      """)
    XCTAssertEqual(run.output, "220 2.0.0 Ready to start TLS\n503 5.5.1 Need MAIL command first\n")
    let logged = box.log.lines().joined(separator: "\n")
    XCTAssertTrue(logged.contains("127.0.0.1: discarded 20 bytes sent behind STARTTLS"), logged)
  }

  /// Garbage instead of a handshake, plaintext after STARTTLS: that connection ends with a log
  /// line, and the next one is served.
  func testBadHandshakesEndOnlyTheirConnection() throws {
    let box = try SMTPTLSBox()
    addTeardownBlock { box.stop() }
    let run = try box.python(
      """
      import socket, time
      def until_closed(sock):
          # Closed, or reset (the helper closes with the garbage unread): either ends it.
          data = b''
          while True:
              try:
                  chunk = sock.recv(4096)
              except ConnectionResetError:
                  return data
              if not chunk:
                  return data
              data += chunk
      implicit = socket.create_connection(('127.0.0.1', \(box.submissions)), timeout=20)
      implicit.sendall(b'EHLO pc\\r\\n' + b'\\x16\\x03\\x01' + b'garbage' * 100)
      answer = until_closed(implicit)
      # Nothing, or a TLS alert record: no SMTP greeting for a client that did not do TLS.
      print("ended" if answer[:1] in (b'', b'\\x15') else repr(answer))
      plain = socket.create_connection(('127.0.0.1', \(box.submission)), timeout=20)
      plain.recv(4096)
      plain.sendall(b'STARTTLS\\r\\n')
      time.sleep(0.3)
      print(plain.recv(4096).decode().strip())
      plain.sendall(b'EHLO pc\\r\\nMAIL FROM:<a@lan>\\r\\n')
      answer = until_closed(plain)
      print("ended" if answer[:1] in (b'', b'\\x15') else repr(answer))
      """)
    // No EHLO came first, so no enhanced status code (RFC 2034).
    XCTAssertEqual(run.output, "ended\n220 Ready to start TLS\nended\n")
    let next = try box.swaks(
      port: box.submissions, "--tlsc", "--tls-verify", "--tls-ca-path", box.tls.caPath, "--auth", "PLAIN",
      "--auth-user", "alice", "--auth-password", "s3cret", "-f", "alice@localhost", "-t", "eve@example.org")
    XCTAssertEqual(next.status, 0, next.output)
    usleep(300_000)
    let logged = box.log.lines().filter { $0.contains("in.smtp") && $0.contains("127.0.0.1") }
    XCTAssertGreaterThanOrEqual(logged.count, 2, logged.joined(separator: "\n"))
    XCTAssertEqual(try box.deliveries().count, 1)
  }

  /// -n names the TLS in effect, and refuses a key that does not match its certificate.
  func testCheckModeNamesTheTLSDirectoryAndRefusesAMismatchedKey() throws {
    let directory = try TemporaryDirectory()
    let good = try TLSFixture(in: directory.path + "/good")
    let bin = try BuildProducts.binDirectory()
    let checked = try ChildProcess.run("\(bin)/in.smtp", ["-n", "--submission", "--tls-dir", good.directory])
    XCTAssertEqual(checked.status, 0, checked.output)
    XCTAssertTrue(checked.output.contains("\nmode submission\ntls starttls\ntls-dir \(good.directory) configured\n"), checked.output)
    let implicit = try ChildProcess.run("\(bin)/in.smtp", ["-n", "--tls", "--tls-dir", directory.path + "/none"])
    XCTAssertEqual(implicit.status, 78, implicit.output)
    XCTAssertTrue(implicit.output.contains("--tls: no certificate in \(directory.path)/none"), implicit.output)
    let other = try TLSFixture(in: directory.path + "/other")
    try FileManager.default.removeItem(atPath: good.keyPath)
    try FileManager.default.copyItem(atPath: other.keyPath, toPath: good.keyPath)
    let mismatched = try ChildProcess.run("\(bin)/in.smtp", ["-n", "--tls-dir", good.directory])
    XCTAssertEqual(mismatched.status, 78, mismatched.output)
    XCTAssertTrue(mismatched.output.contains("is not usable"), mismatched.output)
  }
}

/// openbsd-inetd running the installed in.smtp on three loopback ports from the generated smtp,
/// submission and submissions lines, with a private syslog socket, the recording sendmail,
/// a store holding alice (password s3cret), and a certificate for localhost and 127.0.0.1.
final class SMTPTLSBox {
  let directory: TemporaryDirectory
  let prefix: String
  let database: String
  let mail: String
  let tls: TLSFixture
  let smtp: UInt16
  let submission: UInt16
  let submissions: UInt16
  let superserver: ChildProcess
  let log: LogDrain

  init() throws {
    try PrivateInetd.require([
      "/usr/bin/swaks": "swaks", "/usr/bin/python3": "python3", "/usr/bin/openssl": "openssl",
    ])
    directory = try TemporaryDirectory()
    prefix = directory.path + "/prefix"
    database = directory.path + "/slug.db"
    mail = directory.path + "/mail"
    // slugctl install puts slug-tls beside the daemons, where each looks for it.
    try PrivateInetd.install(prefix: prefix)
    for arguments in [["init"], ["jabber", "adduser", "alice", "--password", "s3cret"]] {
      let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
      guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
    }
    // The TLS directory beside the store; its key readable by in.smtp's user (and so by the
    // helper it starts), as `slugctl tls init` arranges.
    tls = try TLSFixture(in: directory.path + "/tls")
    try PrivateInetd.give([tls.keyPath, tls.directory + "/tickets.key"], to: "slug-smtp")
    try FileManager.default.createDirectory(atPath: mail, withIntermediateDirectories: true)
    try PrivateInetd.give([mail], to: "slug-smtp")
    let recorder = mail + "/sendmail"
    try """
      #!/bin/sh
      name=\(mail)/mail.$(/bin/date +%s%N).$$
      /bin/cat > "$name.body"
      printf '%s\\n' "$@" > "$name.argv"

      """.write(toFile: recorder, atomically: true, encoding: .utf8)
    chmod(recorder, 0o755)

    smtp = try FreePort.tcp()
    submission = try FreePort.tcp()
    submissions = try FreePort.tcp()
    var lines: [String] = []
    for (service, port) in [("smtp", smtp), ("submission", submission), ("submissions", submissions)] {
      lines += try PrivateInetd.generatedLines(
        prefix: prefix, service: service, port: port, database: database,
        arguments: ["-s \(recorder) --hostname relay.test --domain localhost --spool \(mail)"])
    }
    let started = try PrivateInetd.startWithPrivateLog(
      lines, in: directory.path, output: directory.path + "/inetd.trace", debug: false)
    superserver = started.superserver
    log = LogDrain(started.log)
    let ports = [smtp, submission, submissions]
    for _ in 0..<50 where !ports.allSatisfy({ LoopbackSocket.acceptsTCP(port: $0) }) { usleep(100_000) }
    guard superserver.isRunning, ports.allSatisfy({ LoopbackSocket.acceptsTCP(port: $0) }) else {
      superserver.stop()
      let said = (try? String(contentsOfFile: directory.path + "/inetd.trace", encoding: .utf8)) ?? ""
      throw SetupFailure("inetd did not become ready on \(lines):\n\(said.suffix(3000))")
    }
  }

  func stop() {
    superserver.stop()
    log.stop()
    for port in [smtp, submission, submissions] { SlotSets.removeAll(port: port) }
  }

  func deliveries() throws -> [SMTPUnderInetd.Delivery] {
    let names = try FileManager.default.contentsOfDirectory(atPath: mail)
      .filter { $0.hasPrefix("mail.") && $0.hasSuffix(".argv") }.sorted()
    return try names.map { name in
      let stem = mail + "/" + name.dropLast(5)
      let argv = try String(contentsOfFile: stem + ".argv", encoding: .utf8).split(separator: "\n").map(String.init)
      return SMTPUnderInetd.Delivery(argv: argv, body: Array(try Data(contentsOf: URL(fileURLWithPath: stem + ".body"))))
    }
  }

  func swaks(port: UInt16, _ arguments: String...) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/bin/swaks", ["-s", "127.0.0.1", "-p", String(port), "--timeout", "20"] + arguments)
  }

  func python(_ script: String) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/bin/python3", ["-c", script])
  }
}

/// Reads the private log socket all the time: a Unix datagram socket queues only
/// net.unix.max_dgram_qlen (10) lines, and a daemon whose syslog line does not fit waits.
final class LogDrain: @unchecked Sendable {
  private let socket: SyslogSocket
  private let lock = NSLock()
  private var collected: [String] = []
  private var stopped = false

  init(_ socket: SyslogSocket) {
    self.socket = socket
    Thread.detachNewThread { [self] in
      while true {
        let lines = self.socket.lines()
        lock.lock()
        collected += lines
        let done = stopped
        lock.unlock()
        if done { return }
        usleep(10_000)
      }
    }
  }

  /// The lines that arrived since the last call.
  func lines() -> [String] {
    usleep(50_000)
    lock.lock()
    defer { lock.unlock() }
    let lines = collected + socket.lines()
    collected = []
    return lines
  }

  func stop() {
    lock.lock()
    stopped = true
    lock.unlock()
  }
}
