import SMTP
import TestSupport
import XCTest

final class SessionTests: XCTestCase {
  func testGreetingNamesTheHost() {
    XCTAssertEqual(SessionDriver().session.greeting(), Array("220 relay.test ESMTP in.smtp\r\n".utf8))
  }

  func testATransactionGivesTheSameEventsHoweverTheInputIsCut() {
    let inputs: [(bytes: [UInt8], messages: [Event])] = [
      (Array("EHLO client.lan\r\n".utf8),
       [.reply("250-relay.test Hello client.lan"), .reply("250-PIPELINING"), .reply("250-SIZE 33554432"),
        .reply("250-8BITMIME"), .reply("250-ENHANCEDSTATUSCODES"), .reply("250 HELP")]),
      (Array("MAIL FROM:<alice@lan>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n".utf8),
       [.reply("250 2.1.0 Ok"), .reply("250 2.1.5 Ok"), .reply("250 2.1.5 Ok"),
        .reply("354 End data with <CR><LF>.<CR><LF>")]),
      (Array("Subject: x\r\n\r\n..stuffed\r\n.\r\nQUIT\r\n".utf8),
       [.message(sender: "alice@lan", recipients: ["bob@example.org", "carol@example.net"], body: "Subject: x\n\n.stuffed\n"),
        .reply("250 2.0.0 Ok: queued as ID"), .reply("221 2.0.0 relay.test closing connection"), .close]),
    ]
    XCTAssertEqual(verifyDecoder({ SessionDriver() }, inputs: inputs), [])
  }

  func testPipelinedCommandsAfterTheDotAreAnsweredAfterTheDelivery() {
    var driver = SessionDriver()
    let events = driver.feed(
      "EHLO a\nMAIL FROM:<a@lan>\nRCPT TO:<b@lan>\nDATA\nhello\n.\nMAIL FROM:<c@lan>\nRCPT TO:<d@lan>\nDATA\nagain\n.\nQUIT\n".crlf)
    XCTAssertEqual(
      Array(events.dropFirst(6)),
      [.reply("250 2.1.0 Ok"), .reply("250 2.1.5 Ok"), .reply("354 End data with <CR><LF>.<CR><LF>"),
       .message(sender: "a@lan", recipients: ["b@lan"], body: "hello\n"), .reply("250 2.0.0 Ok: queued as ID"),
       .reply("250 2.1.0 Ok"), .reply("250 2.1.5 Ok"), .reply("354 End data with <CR><LF>.<CR><LF>"),
       .message(sender: "c@lan", recipients: ["d@lan"], body: "again\n"), .reply("250 2.0.0 Ok: queued as ID"),
       .reply("221 2.0.0 relay.test closing connection"), .close])
  }

  func testInputAfterTheFinalDotWaitsUntilTheDeliveryIsReported() {
    var session = SMTPSession(configuration: SMTPConfiguration(hostName: "h"))
    _ = session.feed(Array("HELO a\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n".utf8)[...])
    let actions = session.feed(Array("x\r\n.\r\nNOOP\r\n".utf8)[...])
    XCTAssertEqual(actions.count, 2, "\(actions)")
    guard case .deliver = actions.last else { return XCTFail("\(actions)") }
    XCTAssertEqual(session.phase, .delivering)
    XCTAssertEqual(session.feed(Array("NOOP\r\n".utf8)[...]), [])
    XCTAssertEqual(
      session.delivered(.failed),
      [.send(Array("451 Local delivery failed; try again later\r\n".utf8)), .send(Array("250 Ok\r\n".utf8)),
       .send(Array("250 Ok\r\n".utf8))])
    XCTAssertEqual(session.phase, .command)
  }

  func testCommandsInTheWrongOrderGet503AndDataWithoutRecipients554() {
    var driver = SessionDriver()
    XCTAssertEqual(SessionDriver.codes(driver.feed("MAIL FROM:<a@lan>\r\n")), ["503"])
    XCTAssertEqual(SessionDriver.codes(driver.feed("EHLO a\r\n")), ["250", "250", "250", "250", "250", "250"])
    XCTAssertEqual(SessionDriver.codes(driver.feed("RCPT TO:<b@lan>\r\nDATA\r\n")), ["503", "503"])
    XCTAssertEqual(SessionDriver.codes(driver.feed("MAIL FROM:<a@lan>\r\nMAIL FROM:<a@lan>\r\nDATA\r\n")), ["250", "503", "554"])
    XCTAssertEqual(driver.feed("RSET\r\nRCPT TO:<b@lan>\r\n"), [.reply("250 2.0.0 Ok"), .reply("503 5.5.1 Need MAIL command first")])
  }

  func testUnknownVerbsGet500BadArguments501UnknownParameters555AndUnofferedVerbs502() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\n")
    XCTAssertEqual(
      driver.feed("FOO bar\r\nMAIL FROM:a@lan\r\nMAIL TO:<a@lan>\r\nMAIL FROM:<a@lan> SIZE=ten\r\nMAIL FROM:<a@lan> BODY=9BIT\r\n"),
      [.reply("500 5.5.2 Command not recognized"), .reply("501 5.5.4 Syntax: MAIL FROM:<address>"),
       .reply("501 5.5.4 Syntax: MAIL FROM:<address>"), .reply("501 5.5.4 Syntax: SIZE=number"),
       .reply("501 5.5.4 Syntax: BODY=7BIT or BODY=8BITMIME")])
    XCTAssertEqual(
      driver.feed("MAIL FROM:<a@lan> RET=FULL\r\nEHLO\r\nDATA now\r\nVRFY\r\nEXPN staff\r\nSTARTTLS\r\nAUTH PLAIN\r\n"),
      [.reply("555 5.5.4 Unsupported parameter RET"), .reply("501 5.5.4 Syntax: EHLO hostname"),
       .reply("501 5.5.4 Syntax: DATA (no arguments)"), .reply("501 5.5.4 Syntax: VRFY address"),
       .reply("502 5.5.1 EXPN not implemented"), .reply("502 5.5.1 STARTTLS not implemented"),
       .reply("538 5.7.11 Encryption required for requested authentication mechanism")])
    XCTAssertEqual(
      driver.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<b@lan> NOTIFY=NEVER\r\n"),
      [.reply("250 2.1.0 Ok"), .reply("555 5.5.4 Unsupported parameter NOTIFY")])
  }

  func testVerbsAndParametersAreCaseInsensitiveAsPythonSmtplibSendsThem() {
    var driver = SessionDriver()
    let events = driver.feed(
      "ehlo [127.0.0.1]\r\nmail FROM:<Alice@Lan> size=12 body=8bitmime\r\nrcpt TO:<Bob@Lan>\r\ndata\r\nhi\r\n.\r\nquit\r\n")
    XCTAssertEqual(events.filter { if case .message = $0 { true } else { false } },
                   [.message(sender: "Alice@Lan", recipients: ["Bob@Lan"], body: "hi\n")])
    XCTAssertEqual(SessionDriver.codes(events).suffix(5), ["250", "250", "354", "250", "221"])
    XCTAssertEqual(SessionDriver.codes(driver.feed("nOoP\r\n")), [], "nothing after QUIT")
  }

  func testNoEnhancedCodesAfterHELOAndParametersNeedEHLO() {
    var driver = SessionDriver()
    XCTAssertEqual(
      driver.feed("HELO a\r\nMAIL FROM:<a@lan> SIZE=10\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nVRFY bob\r\nHELP\r\n"),
      [.reply("250 relay.test Hello a"), .reply("555 Unsupported parameter SIZE"), .reply("250 Ok"), .reply("250 Ok"),
       .reply("252 Cannot VRFY user; send mail and it will be attempted"),
       .reply("214 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT")])
  }

  func testAnOverlongCommandLineGets500AndTheSessionGoesOn() {
    var driver = SessionDriver()
    let long = "NOOP " + String(repeating: "x", count: 993)  // 998 bytes + CRLF: the limit
    XCTAssertEqual(driver.feed("EHLO a\r\n\(long)\r\n").last, .reply("250 2.0.0 Ok"))
    XCTAssertEqual(driver.feed("\(long)x\r\nNOOP\r\n"), [.reply("500 5.5.2 Line too long"), .reply("250 2.0.0 Ok")])
    XCTAssertEqual(driver.feed(String(repeating: "y", count: 100_000) + "\nNOOP\n"),
                   [.reply("500 5.5.2 Line too long"), .reply("250 2.0.0 Ok")])
  }

  func testControlAndNonASCIIBytesInACommandAre501() {
    var driver = SessionDriver()
    XCTAssertEqual(SessionDriver.codes(driver.feed(Array("NOOP \u{1}\r\nNOOP é\r\n".utf8)[...])), ["501", "501"])
  }

  func testDataIsUnstuffedAndLineEndsBecomeLFWhateverTheClientSent() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    let events = driver.feed(
      "..\r\n...two\r\n.x\r\nbare\nmixed\r\r\nlone\rcr\r\n.\rodd\r\n\r\n. \r\n8bit \u{e9}\r\n.\r\n")
    XCTAssertEqual(
      events,
      [.message(sender: "a@lan", recipients: ["b@lan"], body: ".\n..two\nx\nbare\nmixed\r\nlone\rcr\n\rodd\n\n \n8bit \u{e9}\n"),
       .reply("250 2.0.0 Ok: queued as ID")])
    _ = driver.feed("MAIL FROM:<a@lan>\nRCPT TO:<b@lan>\nDATA\n")
    XCTAssertEqual(driver.feed("only LF\n.\n").first, .message(sender: "a@lan", recipients: ["b@lan"], body: "only LF\n"))
  }

  /// SMTP smuggling: "." lines next to a bare LF must not end the data of a CRLF client, or an
  /// upstream server that reads them as content lets a message carry a forged second one.
  func testACRLFClientEndsTheDataOnlyWithCRLFDotCRLF() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    let smuggled = "MAIL FROM:<boss@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\nforged\r\n"
    let events = driver.feed(
      "real\r\n\n.\r\n\(smuggled)\r\n.\n\(smuggled)\n.\n\(smuggled)end\r\n.\r\n")
    XCTAssertEqual(events.count, 2, "\(events)")
    guard case .message(_, _, let body) = events.first else { return XCTFail("\(events)") }
    XCTAssertEqual(body.components(separatedBy: "forged").count, 4, body)
    XCTAssertTrue(body.hasPrefix("real\n\n\nMAIL FROM:<boss@lan>\n"), body)
    XCTAssertTrue(body.hasSuffix("forged\nend\n"), body)
    XCTAssertEqual(events.last, .reply("250 2.0.0 Ok: queued as ID"))
  }

  func testAMessageOverTheLimitIsRefusedAtMAILOrAtTheFinalDotWith552() {
    var driver = SessionDriver(SMTPConfiguration(hostName: "h", maximumMessageSize: 10))
    _ = driver.feed("EHLO a\r\n")
    XCTAssertEqual(driver.feed("MAIL FROM:<a@lan> SIZE=11\r\n"), [.reply("552 5.3.4 Message size exceeds fixed limit")])
    _ = driver.feed("MAIL FROM:<a@lan> SIZE=10\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    XCTAssertEqual(
      driver.feed("0123456789\r\n.\r\n"),
      [.refused("larger than 10 bytes"), .reply("552 5.3.4 Message size exceeds fixed limit")])
    _ = driver.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    XCTAssertEqual(driver.feed("012345678\r\n.\r\n").first, .message(sender: "a@lan", recipients: ["b@lan"], body: "012345678\n"))
  }

  func testAnAbsurdBodyLineRefusesTheMessage() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    let line = String(repeating: "z", count: SMTPSession.maximumBodyLine + 1)
    XCTAssertEqual(SessionDriver.codes(driver.feed("ok\r\n\(line)\r\n.\r\n")), ["554"])
    _ = driver.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\n")
    let longest = String(repeating: "z", count: SMTPSession.maximumBodyLine)
    XCTAssertEqual(driver.feed("\(longest)\r\n.\r\n").first, .message(sender: "a@lan", recipients: ["b@lan"], body: longest + "\n"))
  }

  func testRecipientsBeyondTheLimitGet452AndDuplicatesCountOnce() {
    var driver = SessionDriver(SMTPConfiguration(hostName: "h", maximumRecipients: 2))
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\n")
    XCTAssertEqual(
      SessionDriver.codes(driver.feed("RCPT TO:<b@lan>\r\nRCPT TO:<b@lan>\r\nRCPT TO:<c@lan>\r\nRCPT TO:<d@lan>\r\n")),
      ["250", "250", "250", "452"])
    XCTAssertEqual(driver.feed("DATA\r\n.\r\n")[1], .message(sender: "a@lan", recipients: ["b@lan", "c@lan"], body: ""))
  }

  func testOutsideTheRelayNetworksOnlyRelayDomainsAndPostmasterAreAccepted() {
    var driver = SessionDriver(SMTPConfiguration(hostName: "h", clientMayRelay: false, relayDomains: ["Home.Lan"]))
    _ = driver.feed("EHLO a\r\nMAIL FROM:<spam@example.com>\r\n")
    XCTAssertEqual(
      driver.feed("RCPT TO:<victim@example.org>\r\nRCPT TO:<me@home.lan>\r\nRCPT TO:<me@pc.HOME.lan>\r\nRCPT TO:<x@evilhome.lan>\r\nRCPT TO:<postmaster>\r\n"),
      [.denied("victim@example.org"), .reply("550 5.7.1 Relay access denied for <victim@example.org>"),
       .reply("250 2.1.5 Ok"), .reply("250 2.1.5 Ok"),
       .denied("x@evilhome.lan"), .reply("550 5.7.1 Relay access denied for <x@evilhome.lan>"), .reply("250 2.1.5 Ok")])
  }

  func testAddressesThatCouldBecomeOptionsOrShellSyntaxAreRefusedWith553() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\n")
    let cases: [(String, String)] = [
      ("-oQ/tmp/x@lan", "an address may not start with '-'"),
      ("`touch /tmp/x`@lan", "character '`' not allowed in an address"),
      ("a b@lan", "byte 0x20 not allowed in an address"),
      ("$(reboot)@lan", "character '$' not allowed in an address"),
      ("a;rm@lan", "character ';' not allowed in an address"),
      ("a|b@lan", "character '|' not allowed in an address"),
      ("\"quoted\"@lan", "character '\"' not allowed in an address"),
      ("a\tb@lan", "byte 0x09 not allowed in an address"),
      ("nobody", "address needs a domain (user@domain)"),
      ("a@-lan", "malformed domain"),
      ("a@lan..", "malformed domain"),
      ("", "empty address"),
    ]
    for (address, reason) in cases {
      XCTAssertEqual(driver.feed("RCPT TO:<\(address)>\r\n"), [.reply("553 5.1.3 Address refused: \(reason)")], address)
    }
    XCTAssertEqual(SessionDriver.codes(driver.feed("RSET\r\nMAIL FROM:<-f@lan>\r\n")), ["250", "553"])
    XCTAssertEqual(SessionDriver.codes(driver.feed("MAIL FROM:<@relay.lan:a+tag=x%y/z@lan>\r\n")), ["250"], "a source route is dropped")
  }

  func testFailedDeliveryGets451AndTheNextMessageCanFollow() {
    var driver = SessionDriver(outcome: .failed)
    _ = driver.feed("EHLO a\r\n")
    let events = driver.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\nDATA\r\nx\r\n.\r\nMAIL FROM:<a@lan>\r\n")
    XCTAssertEqual(events.suffix(2), [.reply("451 4.3.0 Local delivery failed; try again later"), .reply("250 2.1.0 Ok")])
  }

  func testTimeoutAndTooManyErrorsEndTheSessionWith421() {
    var quiet = SMTPSession(configuration: SMTPConfiguration(hostName: "h"))
    XCTAssertEqual(quiet.timedOut(), [.send(Array("421 h Error: timeout exceeded\r\n".utf8)), .close])
    XCTAssertEqual(quiet.phase, .closed)
    var talking = SMTPSession(configuration: SMTPConfiguration(hostName: "h"))
    _ = talking.feed(Array("EHLO a\r\n".utf8)[...])
    XCTAssertEqual(talking.timedOut().first, .send(Array("421 4.4.2 h Error: timeout exceeded\r\n".utf8)))

    var driver = SessionDriver()
    let events = driver.feed(String(repeating: "GET / HTTP/1.1\r\n", count: 25))
    XCTAssertEqual(SessionDriver.codes(events), Array(repeating: "500", count: 19) + ["500", "421"])
    XCTAssertEqual(events.last, .close)
  }

  func testEHLOResetsATransaction() {
    var driver = SessionDriver()
    _ = driver.feed("EHLO a\r\nMAIL FROM:<a@lan>\r\nRCPT TO:<b@lan>\r\n")
    XCTAssertEqual(SessionDriver.codes(driver.feed("EHLO b\r\nDATA\r\n")).last, "503")
  }
}
