import Foundation
import TestSupport
import XCTest

/// in.smtp under a real openbsd-inetd on a loopback port, driven by swaks and python3's
/// smtplib, handing messages to a test sendmail that records its argv and stdin.
final class SMTPUnderInetdTests: XCTestCase {
  func testSwaksDeliversToOneAndToSeveralRecipientsWithTheReceivedHeaderFirst() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }

    let one = try relay.swaks("-f", "alice@home.lan", "-t", "bob@example.org", "--body", "one recipient")
    XCTAssertEqual(one.status, 0, one.output)
    let several = try relay.swaks("-f", "alice@home.lan", "-t", "bob@example.org,carol@example.net,dave@home.lan")
    XCTAssertEqual(several.status, 0, several.output)

    let mails = try relay.deliveries()
    XCTAssertEqual(mails.count, 2)
    XCTAssertEqual(mails.first?.argv, ["-i", "-f", "alice@home.lan", "--", "bob@example.org"])
    XCTAssertEqual(
      mails.last?.argv, ["-i", "-f", "alice@home.lan", "--", "bob@example.org", "carol@example.net", "dave@home.lan"])
    let body = mails.first?.text ?? ""
    XCTAssertTrue(body.hasPrefix("Received: from "), body)
    XCTAssertTrue(body.contains("([127.0.0.1])\n\tby relay.test (in.smtp) with ESMTP id "), body)
    XCTAssertTrue(body.contains("\n\tfor <bob@example.org>;\n\t"), body)
    XCTAssertTrue(body.contains("\nSubject: test "), body)
    XCTAssertTrue(body.contains("\n\none recipient\n"), body)
    XCTAssertFalse(body.contains("\r"), "lines reach sendmail ending in LF")
    // The 250 names the id the Received header carries.
    let id = one.output.components(separatedBy: "Ok: queued as ").dropFirst().first?.prefix { !$0.isWhitespace } ?? ""
    XCTAssertFalse(id.isEmpty, one.output)
    XCTAssertTrue(body.contains(" id \(id)\n"), "\(id) in \(body)")
  }

  /// swaks --pipe starts its child with SIGCHLD ignored, which would make waitpid lose
  /// sendmail's status; in.smtp resets it, and speaks SMTP on the two pipes.
  func testSwaksPipeRunsTheRelayOnPipesAsALocalClient() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let program = try BuildProducts.binDirectory() + "/in.smtp"
    let run = try ChildProcess.run(
      "/usr/bin/swaks",
      ["--pipe", "\(program) -s \(relay.sendmail) --hostname relay.test --allow 10.0.0.0/8", "-f", "a@home.lan",
       "-t", "b@example.org", "--body", "through pipes"])
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("<-  250 2.0.0 Ok: queued as "), run.output)
    let mails = try relay.deliveries()
    XCTAssertEqual(mails.map(\.argv), [["-i", "-f", "a@home.lan", "--", "b@example.org"]])
    XCTAssertTrue(mails.first?.text.hasPrefix("Received: from ") ?? false)
    XCTAssertTrue(mails.first?.text.contains(" (local)\n\tby relay.test (in.smtp) with ESMTP id ") ?? false, mails.first?.text ?? "")
    XCTAssertTrue(mails.first?.text.contains("\n\nthrough pipes\n") ?? false, mails.first?.text ?? "")

    try "3".write(toFile: relay.directory.path + "/exit-code", atomically: true, encoding: .utf8)
    let failing = try ChildProcess.run(
      "/usr/bin/swaks", ["--pipe", "\(program) -s \(relay.sendmail)", "-f", "a@home.lan", "-t", "b@example.org"])
    XCTAssertEqual(failing.status, 26, failing.output)
    XCTAssertTrue(failing.output.contains("<** 451 4.3.0 "), failing.output)
  }

  func testTheNullSenderOfABounceReachesSendmailAsAngleBrackets() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let run = try relay.python(
      """
      import smtplib
      client.close()
      s = smtplib.SMTP('127.0.0.1', PORT, timeout=10)
      print(s.sendmail('', ['postmaster'], b'Subject: bounce\\r\\n\\r\\nundeliverable\\r\\n'))
      s.quit()
      """)
    XCTAssertEqual(run.output, "{}\n")
    XCTAssertEqual(try relay.deliveries().map(\.argv), [["-i", "-f", "<>", "--", "postmaster"]])
  }

  func testPipelinedSessionsAreAnsweredInOrder() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let run = try relay.swaks("--pipeline", "-f", "a@home.lan", "-t", "b@home.lan,c@home.lan", "--body", "pipelined")
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("250-PIPELINING"), run.output)
    XCTAssertEqual(try relay.deliveries().map(\.argv), [["-i", "-f", "a@home.lan", "--", "b@home.lan", "c@home.lan"]])

    // Two whole transactions and QUIT in one write: every reply, in order.
    let raw = try relay.python(
      """
      client.sendall(b'EHLO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\none\\r\\n.\\r\\n'
                     b'MAIL FROM:<a@lan>\\r\\nRCPT TO:<c@lan>\\r\\nDATA\\r\\ntwo\\r\\n.\\r\\nQUIT\\r\\n')
      print(' '.join(line[:3].decode() for line in read_all().split(b'\\r\\n') if line))
      """)
    XCTAssertEqual(raw.output, "220 250 250 250 250 250 250 250 250 354 250 250 250 354 250 221\n")
    XCTAssertEqual(try relay.deliveries().suffix(2).map { $0.text.split(separator: "\n").last }, ["one", "two"])
  }

  func testSmtplibWith8BITMIMEAndSIZEAndLowerCaseVerbs() throws {
    let relay = try SMTPUnderInetd(arguments: ["--max-size", "4096"])
    addTeardownBlock { relay.stop() }
    let run = try relay.python(
      """
      import smtplib
      client.close()
      s = smtplib.SMTP('127.0.0.1', PORT, timeout=10)
      s.ehlo('pc.home.lan')
      print(s.has_extn('8bitmime'), s.has_extn('pipelining'), s.has_extn('enhancedstatuscodes'), s.esmtp_features['size'])
      body = 'Subject: caf\\u00e9\\r\\n\\r\\n\\u00e7a marche, 8 bits\\r\\n'.encode('utf-8')
      print(s.sendmail('a@home.lan', ['b@home.lan'], body, mail_options=['BODY=8BITMIME']))
      try:
          s.sendmail('a@home.lan', ['b@home.lan'], b'x' * 5000)
      except smtplib.SMTPSenderRefused as error:
          print(error.smtp_code, error.smtp_error.decode())
      s.quit()
      """)
    XCTAssertEqual(
      run.output, "True True True 4096\n{}\n552 5.3.4 Message size exceeds fixed limit\n")
    let mails = try relay.deliveries()
    XCTAssertEqual(mails.count, 1)
    XCTAssertTrue(mails.first?.text.hasSuffix("\nSubject: café\n\nça marche, 8 bits\n") ?? false, mails.first?.text ?? "")

    // Without SIZE= the limit holds at the final dot.
    let unannounced = try relay.python(
      """
      client.sendall(b'EHLO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\n' + b'y' * 5000 + b'\\r\\n.\\r\\nQUIT\\r\\n')
      print(read_all().split(b'\\r\\n')[-3].decode())
      """)
    XCTAssertEqual(unannounced.output, "552 5.3.4 Message size exceeds fixed limit\n")
    XCTAssertEqual(try relay.deliveries().count, 1)
  }

  func testDotStuffedBodiesAndATenMegabyteAttachmentArriveByteExact() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let attachment = relay.directory.path + "/attachment.bin"
    let run = try relay.python(
      """
      import smtplib, os, email, hashlib
      from email.message import EmailMessage
      client.close()
      data = os.urandom(10 * 1024 * 1024)
      open('\(attachment)', 'wb').write(data)
      text = '.\\n..\\n.leading dot\\n...three\\nlast line\\n'
      message = EmailMessage()
      message['Subject'] = 'dots and a file'
      message.set_content(text)
      message.add_attachment(data, maintype='application', subtype='octet-stream', filename='a.bin')
      s = smtplib.SMTP('127.0.0.1', PORT, timeout=60)
      s.send_message(message, 'a@home.lan', ['b@home.lan'])
      s.quit()
      delivered = [name for name in sorted(os.listdir('\(relay.directory.path)')) if name.endswith('.body')]
      raw = open(os.path.join('\(relay.directory.path)', delivered[-1]), 'rb').read()
      parsed = email.message_from_bytes(raw)
      parts = [part for part in parsed.walk() if not part.is_multipart()]
      print(parsed['Received'] is not None, parts[0].get_payload(decode=True).decode() == text,
            hashlib.sha256(parts[1].get_payload(decode=True)).hexdigest() == hashlib.sha256(data).hexdigest())
      """)
    XCTAssertEqual(run.output, "True True True\n")

    // The dot lines as the client put them on the wire (smtplib doubles each leading dot).
    let raw = try relay.python(
      """
      client.sendall(b'HELO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\n'
                     b'..\\r\\n...\\r\\n..x\\r\\n.y\\r\\n \\r\\n.\\r\\nQUIT\\r\\n')
      read_all()
      """)
    XCTAssertEqual(raw.status, 0, raw.output)
    let body = try relay.deliveries().last?.text.components(separatedBy: ";\n\t").last?.split(separator: "\n", maxSplits: 1).last
    XCTAssertEqual(body.map(String.init), ".\n..\n.x\ny\n \n")

    // A "." line after a bare LF does not end a CRLF client's data (no SMTP smuggling).
    let smuggling = try relay.python(
      """
      client.sendall(b'HELO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\n'
                     b'a\\r\\n\\n.\\r\\nMAIL FROM:<x@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\nforged\\r\\n.\\r\\nQUIT\\r\\n')
      print(' '.join(line[:3].decode() for line in read_all().split(b'\\r\\n') if line))
      """)
    XCTAssertEqual(smuggling.output, "220 250 250 250 354 250 221\n")
    XCTAssertTrue(try relay.deliveries().last?.text.hasSuffix("\na\n\n\nMAIL FROM:<x@lan>\nRCPT TO:<b@lan>\nDATA\nforged\n") ?? false)
  }

  func testRSETBadSequencesUnknownVerbsAndLongLines() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let run = try relay.python(
      """
      def ask(line):
          client.sendall(line + b'\\r\\n')
          return read_reply()
      read_reply()
      replies = [ask(b'MAIL FROM:<a@lan>'), ask(b'EHLO pc'), ask(b'RCPT TO:<b@lan>'), ask(b'DATA'),
                 ask(b'MAIL FROM:<a@lan>'), ask(b'MAIL FROM:<a@lan>'), ask(b'RCPT TO:<b@lan>'), ask(b'RSET'),
                 ask(b'DATA'), ask(b'FROB'), ask(b'MAIL FROM:<a@lan> SIZE=x'), ask(b'NOOP ' + b'x' * 2000),
                 ask(b'VRFY bob'), ask(b'HELP'), ask(b'NOOP'), ask(b'QUIT')]
      for reply in replies:
          print(reply.split(b'\\r\\n')[-2][:9].decode())
      """)
    XCTAssertEqual(
      run.output.split(separator: "\n"),
      ["503 Send ", "250 HELP", "503 5.5.1", "503 5.5.1", "250 2.1.0", "503 5.5.1", "250 2.1.5", "250 2.0.0",
       "503 5.5.1", "500 5.5.2", "501 5.5.4", "500 5.5.2", "252 2.0.0", "214 2.0.0", "250 2.0.0", "221 2.0.0"])
    XCTAssertEqual(try relay.deliveries().count, 0)
  }

  func testAFailingSendmailGets451AndNothingIsAcknowledged() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    try "75".write(toFile: relay.directory.path + "/exit-code", atomically: true, encoding: .utf8)
    let failed = try relay.swaks("-f", "a@home.lan", "-t", "b@home.lan")
    XCTAssertEqual(failed.status, 26, failed.output)
    XCTAssertTrue(failed.output.contains("<** 451 4.3.0 "), failed.output)
    XCTAssertFalse(failed.output.contains("queued as"), failed.output)

    // A sendmail that is not there at all: the same.
    let missing = try SMTPUnderInetd(sendmail: "/nonexistent/sendmail")
    addTeardownBlock { missing.stop() }
    let run = try missing.swaks("-f", "a@home.lan", "-t", "b@home.lan")
    XCTAssertEqual(run.status, 26, run.output)
    XCTAssertTrue(run.output.contains("<** 451 4.3.0 "), run.output)
  }

  func testASendmailThatHangsIsKilledAfterItsTimeoutAndTheClientGets451() throws {
    let relay = try SMTPUnderInetd(arguments: ["--sendmail-timeout", "1"])
    addTeardownBlock { relay.stop() }
    try "".write(toFile: relay.directory.path + "/hang", atomically: true, encoding: .utf8)
    let started = Date()
    let run = try relay.swaks("-f", "a@home.lan", "-t", "b@home.lan")
    XCTAssertEqual(run.status, 26, run.output)
    XCTAssertTrue(run.output.contains("<** 451 4.3.0 "), run.output)
    XCTAssertLessThan(Date().timeIntervalSince(started), 5, "killed after 1 s, not after its 30 s sleep")
    let sleepers = try ChildProcess.run("/usr/bin/pgrep", ["-f", "^/bin/sleep 30$"])
    XCTAssertEqual(sleepers.output, "", "the hung sendmail was killed, not left behind")
  }

  func testAConnectionThatDropsOrDiesBeforeTheFinalDotDeliversNothing() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let dropped = try relay.python(
      """
      client.sendall(b'EHLO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\nSubject: half\\r\\n\\r\\nno final dot\\r\\n')
      time.sleep(0.3)
      client.close()
      """)
    XCTAssertEqual(dropped.status, 0, dropped.output)
    let swaksDrop = try relay.swaks("-f", "a@home.lan", "-t", "b@home.lan", "--drop-after", "RCPT")
    XCTAssertTrue(swaksDrop.output.contains("<-  250 2.1.5 Ok"), swaksDrop.output)

    // kill -9 in the middle of the body: first while it is in memory, then once it is over
    // 1 MiB and on disk in the spool directory. Neither has a name to leave behind.
    let killed = try relay.python(
      """
      import subprocess
      SPOOL = os.path.normpath('\(relay.spool)') + '/'
      def spool_of_child():
          pids = subprocess.run(['pgrep', '-P', str(INETD), 'in.smtp'], capture_output=True, text=True).stdout.split()
          targets = [os.readlink('/proc/%s/fd/%s' % (pids[0], fd)) for fd in os.listdir('/proc/%s/fd' % pids[0])]
          return pids, [target for target in targets if 'in.smtp' in target or target.startswith(SPOOL)]
      client.sendall(b'EHLO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\n' + (b'z' * 98 + b'\\r\\n') * 1000)
      time.sleep(0.3)
      pids, spools = spool_of_child()
      print(spools)
      client.sendall((b'z' * 998 + b'\\r\\n') * 2000)
      time.sleep(0.5)
      print([target.split(' ')[-1] for target in spool_of_child()[1]], spool_of_child()[1][0].startswith(SPOOL))
      os.kill(int(pids[0]), 9)
      """)
    XCTAssertEqual(killed.output, "['/memfd:in.smtp (deleted)']\n['(deleted)'] True\n")
    usleep(300_000)
    XCTAssertEqual(try relay.deliveries().count, 0)
    let spool = try FileManager.default.contentsOfDirectory(atPath: relay.spool)
    XCTAssertEqual(spool, [], "the spool is a nameless file")
  }

  func testAddressesWithOptionOrShellSyntaxAreRefusedAtRCPTAndMAIL() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    let marker = relay.directory.path + "/injected"
    for recipient in ["`touch \(marker)`@lan", "$(touch \(marker))@lan", "a;touch \(marker)@lan", "a b@lan"] {
      let run = try relay.swaks("-f", "a@home.lan", "-t", recipient)
      XCTAssertEqual(run.status, 24, run.output)
      XCTAssertTrue(run.output.contains("<** 553 5.1.3 Address refused: "), run.output)
    }
    // swaks will not send an address that starts with a dash; a raw client will.
    let dashes = try relay.python(
      """
      def ask(line):
          client.sendall(line + b'\\r\\n')
          return read_reply().decode().strip()
      read_reply()
      print(ask(b'EHLO pc'))
      print(ask(b'MAIL FROM:<-f\(marker)@lan>'))
      print(ask(b'MAIL FROM:<a@lan>'))
      print(ask(b'RCPT TO:<-oQ\(marker)@lan>'))
      print(ask(b'RCPT TO:<-bs@lan>'))
      """)
    XCTAssertEqual(
      dashes.output.split(separator: "\n").suffix(4),
      ["553 5.1.3 Address refused: an address may not start with '-'", "250 2.1.0 Ok",
       "553 5.1.3 Address refused: an address may not start with '-'",
       "553 5.1.3 Address refused: an address may not start with '-'"])
    XCTAssertEqual(try relay.deliveries().count, 0)
    XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
  }

  func testRelayingIsRefusedFromADisallowedNetworkExceptToRelayDomains() throws {
    let relay = try SMTPUnderInetd(arguments: ["--allow", "127.0.0.1/32", "--relay-domain", "home.lan"])
    addTeardownBlock { relay.stop() }
    let outside = try relay.swaks("--local-interface", "127.0.0.2", "-f", "x@example.com", "-t", "victim@example.org")
    XCTAssertEqual(outside.status, 24, outside.output)
    XCTAssertTrue(outside.output.contains("<** 550 5.7.1 Relay access denied for <victim@example.org>"), outside.output)
    let local = try relay.swaks("--local-interface", "127.0.0.2", "-f", "x@example.com", "-t", "me@home.lan")
    XCTAssertEqual(local.status, 0, local.output)
    let inside = try relay.swaks("--local-interface", "127.0.0.1", "-f", "me@home.lan", "-t", "friend@example.org")
    XCTAssertEqual(inside.status, 0, inside.output)
    XCTAssertEqual(try relay.deliveries().map { $0.argv.last }, ["me@home.lan", "friend@example.org"])
    XCTAssertTrue(try relay.deliveries().first?.text.contains("([127.0.0.2])") ?? false)
  }

  func testASilentClientIsDisconnectedWith421AfterTheTimeout() throws {
    let relay = try SMTPUnderInetd(arguments: ["-t", "1", "--data-timeout", "1"])
    addTeardownBlock { relay.stop() }
    let run = try relay.python(
      """
      started = time.monotonic()
      text = read_all().decode()
      print(text.split('\\r\\n')[-2], round(time.monotonic() - started))
      client2 = socket.create_connection(('127.0.0.1', PORT), timeout=10)
      client2.sendall(b'HELO pc\\r\\nMAIL FROM:<a@lan>\\r\\nRCPT TO:<b@lan>\\r\\nDATA\\r\\nhalf a mess')
      data = b''
      while True:
          chunk = client2.recv(65536)
          if not chunk:
              break
          data += chunk
      print(data.split(b'\\r\\n')[-2].decode())
      """)
    XCTAssertEqual(run.output, "421 relay.test Error: timeout exceeded 1\n421 relay.test Error: timeout exceeded\n")
    XCTAssertEqual(try relay.deliveries().count, 0)
  }

  func testLogsOneLinePerMessageWithSendmailsStatus() throws {
    let relay = try SMTPUnderInetd()
    addTeardownBlock { relay.stop() }
    try "67".write(toFile: relay.directory.path + "/exit-code", atomically: true, encoding: .utf8)
    let log = try BuildProducts.logOfOneConnection(
      "in.smtp", ["-s", relay.sendmail, "--hostname", "relay.test"],
      sending: "EHLO pc\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nRCPT TO:<c@lan>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n")
    let lines = log.split(separator: "\n").map { String($0.drop { $0 != " " }.dropFirst()) }
    XCTAssertEqual(lines.count, 1, log)
    let line = lines.first ?? ""
    XCTAssertTrue(line.hasSuffix(": from=<a@lan> to=<b@lan>,<c@lan> client=127.0.0.1 helo=pc size=3: not delivered: \(relay.sendmail) exited 67: sendmail says no"), log)
  }
}

/// in.smtp as `slugctl install` and `slugctl inetd generate --format xinetd` set it up, on the
/// smtp service: the generated stanza with sendmail pointed at the recorder. (Submission wants
/// TLS and AUTH first: SMTPTLSUnderInetdTests.)
final class SMTPUnderXinetdTests: XCTestCase {
  func testTheGeneratedSMTPStanzaRelaysThroughXinetd() throws {
    _ = try PrivateInetd.xinetd()
    // The recorder and its directory; the inetd it comes with is not used.
    let relay = try SMTPUnderInetd()
    relay.stop()
    let directory = try TemporaryDirectory()
    let port = try FreePort.tcp()
    let prefix = directory.path + "/prefix"
    try PrivateInetd.install(prefix: prefix)
    let generated = try PrivateInetd.generated(prefix: prefix, service: "smtp", port: port, format: "xinetd")
    XCTAssertTrue(generated.contains("service slug-smtp\n"), generated)
    XCTAssertTrue(generated.contains("\tserver = \(prefix)/sbin/in.smtp\n"), generated)
    let stanza = generated.replacingOccurrences(
      of: "\tflags = IPv4", with: "\tserver_args = -s \(relay.sendmail) --hostname relay.test\n\tflags = IPv4")
    let superserver = try PrivateInetd.startXinetd(stanza, in: directory.path)
    addTeardownBlock { superserver.stop() }
    for _ in 0..<50 where !LoopbackSocket.acceptsTCP(port: port) { usleep(100_000) }

    let run = try ChildProcess.run(
      "/usr/bin/swaks", ["-s", "127.0.0.1", "-p", String(port), "-f", "a@home.lan", "-t", "b@example.org", "--body", "via xinetd"])
    XCTAssertEqual(run.status, 0, run.output)
    XCTAssertTrue(run.output.contains("<-  220 relay.test ESMTP in.smtp"), run.output)
    let mails = try relay.deliveries()
    XCTAssertEqual(mails.map(\.argv), [["-i", "-f", "a@home.lan", "--", "b@example.org"]])
    XCTAssertTrue(mails.first?.text.contains("\n\nvia xinetd\n") ?? false, mails.first?.text ?? "")
  }
}

/// openbsd-inetd with one in.smtp line on a free loopback port, and the recording sendmail.
final class SMTPUnderInetd {
  let directory: TemporaryDirectory
  let port: UInt16
  let sendmail: String
  let spool: String
  let superserver: ChildProcess

  init(arguments: [String] = [], sendmail: String? = nil) throws {
    try PrivateInetd.require(["/usr/bin/swaks": "swaks", "/usr/bin/python3": "python3", "/usr/bin/pgrep": "procps"])
    directory = try TemporaryDirectory()
    port = try FreePort.tcp()
    spool = directory.path + "/spool"
    try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
    // in.smtp runs as its own user, as generated: the recorder it starts writes beside itself,
    // and the spool is in.smtp's to write.
    try PrivateInetd.ensureServiceUsers()
    try PrivateInetd.give([directory.path, spool], to: "slug-smtp")
    // inetd scrubs the environment: every program by its full path. Each delivery leaves
    // mail.TIME.PID.body, then mail.TIME.PID.argv; exit-code, if present, is the status;
    // hang, if present, makes it sleep instead of exiting.
    let recorder = directory.path + "/sendmail"
    try """
      #!/bin/sh
      name=\(directory.path)/mail.$(/bin/date +%s%N).$$
      /bin/cat > "$name.body"
      printf '%s\\n' "$@" > "$name.argv"
      if [ -f \(directory.path)/hang ]; then
        exec /bin/sleep 30
      fi
      if [ -f \(directory.path)/exit-code ]; then
        echo "sendmail says no" >&2
        exit $(/bin/cat \(directory.path)/exit-code)
      fi
      exit 0

      """.write(toFile: recorder, atomically: true, encoding: .utf8)
    chmod(recorder, 0o755)
    self.sendmail = sendmail ?? recorder

    let program = try BuildProducts.binDirectory() + "/in.smtp"
    let line = (["127.0.0.1:\(port)", "stream", "tcp4", "nowait.1000", "slug-smtp", program, "in.smtp",
                 "-s", self.sendmail, "--hostname", "relay.test", "--spool", spool] + arguments).joined(separator: " ")
    let port = self.port
    superserver = try PrivateInetd.start([line], in: directory.path, output: directory.path + "/inetd.log", debug: false) {
      LoopbackSocket.acceptsTCP(port: port)
    }
  }

  func stop() {
    superserver.stop()
    SlotSets.removeAll(port: port)
  }

  struct Delivery {
    var argv: [String]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
  }

  /// What the recording sendmail was given, oldest first.
  func deliveries() throws -> [Delivery] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasPrefix("mail.") && $0.hasSuffix(".argv") }.sorted()
    return try names.map { name in
      let stem = directory.path + "/" + name.dropLast(5)
      let argv = try String(contentsOfFile: stem + ".argv", encoding: .utf8).split(separator: "\n").map(String.init)
      return Delivery(argv: argv, body: Array(try Data(contentsOf: URL(fileURLWithPath: stem + ".body"))))
    }
  }

  /// swaks against the relay; its transcript is the output.
  func swaks(_ arguments: String...) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/bin/swaks", ["-s", "127.0.0.1", "-p", String(port), "--timeout", "20"] + arguments)
  }

  /// A python3 script with `client` connected to the relay, `PORT`, `INETD` (its PID),
  /// `read_reply()` (one whole reply) and `read_all()` (until the relay closes).
  func python(_ script: String) throws -> (status: Int32, output: String) {
    let prelude = """
      import os, socket, time
      PORT = \(port)
      INETD = \(superserver.pid)
      client = socket.create_connection(('127.0.0.1', PORT), timeout=10)
      pending = b''
      def read_reply():
          global pending
          while True:
              lines = pending.split(b'\\r\\n')
              for index, line in enumerate(lines[:-1]):
                  if line[3:4] == b' ':
                      reply = b'\\r\\n'.join(lines[:index + 1]) + b'\\r\\n'
                      pending = b'\\r\\n'.join(lines[index + 1:])
                      return reply
              chunk = client.recv(65536)
              if not chunk:
                  raise EOFError(pending)
              pending += chunk
      def read_all():
          data = b''
          while True:
              chunk = client.recv(65536)
              if not chunk:
                  return data
              data += chunk

      """
    return try ChildProcess.run("/usr/bin/python3", ["-c", prelude + script])
  }
}
