import SMTP
import TestSupport
import Foundation
import XCTest

/// STARTTLS (RFC 3207), AUTH PLAIN and LOGIN (RFC 4954) and submission (RFC 6409) in the
/// session core; the handshake itself is the runtime's (a fake TLSSession here).
final class StartTLSAndAuthTests: XCTestCase {
  static let tls = SMTPTLS(version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256")

  func driver(submission: Bool = false, mayRelay: Bool = true) -> SessionDriver {
    var driver = SessionDriver(
      SMTPConfiguration(hostName: "relay.test", clientMayRelay: mayRelay, offersTLS: true, submission: submission))
    driver.authentication = { $0.user == "alice" && $0.password == "secret" ? .accepted(user: "alice") : .rejected }
    return driver
  }

  /// A driver inside TLS, after EHLO.
  func insideTLS(submission: Bool = false, mayRelay: Bool = true) -> SessionDriver {
    var driver = driver(submission: submission, mayRelay: mayRelay)
    driver.session.startedTLS(Self.tls)
    _ = driver.feed("EHLO pc\r\n")
    return driver
  }

  static func plain(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

  func testSTARTTLSIsOfferedOnlyWithACertificateAndOnlyBeforeTLSAndAUTHOnlyInside() {
    var without = SessionDriver()
    XCTAssertFalse(without.feed("EHLO pc\r\n").contains(.reply("250-STARTTLS")))
    var before = driver()
    let plaintext = before.feed("EHLO pc\r\n")
    XCTAssertTrue(plaintext.contains(.reply("250-STARTTLS")), "\(plaintext)")
    XCTAssertFalse(plaintext.contains { "\($0)".contains("AUTH") }, "\(plaintext)")
    var inside = driver()
    inside.session.startedTLS(Self.tls)
    let encrypted = inside.feed("EHLO pc\r\n")
    XCTAssertFalse(encrypted.contains(.reply("250-STARTTLS")), "\(encrypted)")
    XCTAssertTrue(encrypted.contains(.reply("250-AUTH PLAIN LOGIN")), "\(encrypted)")
  }

  func testAUTHOutsideTLSGets538AndSTARTTLSWithAnArgumentOrInsideTLSIsRefused() {
    var plaintext = driver()
    _ = plaintext.feed("EHLO pc\r\n")
    XCTAssertEqual(
      plaintext.feed("AUTH PLAIN \(Self.plain("\0alice\0secret"))\r\nSTARTTLS now\r\n"),
      [.reply("538 5.7.11 Encryption required for requested authentication mechanism"),
       .reply("501 5.5.4 Syntax: STARTTLS (no arguments)")])
    var inside = insideTLS()
    XCTAssertEqual(inside.feed("STARTTLS\r\n"), [.reply("503 5.5.1 TLS already active")])
  }

  /// The STARTTLS injection class: commands sent in the same packet as STARTTLS are plaintext
  /// the attacker put there; they are dropped, never run after the handshake.
  func testCommandsPipelinedBehindSTARTTLSAreDiscardedAndTheSessionStartsOver() {
    var driver = driver(mayRelay: false)
    _ = driver.feed("EHLO pc\r\n")
    XCTAssertEqual(
      driver.feed("MAIL FROM:<a@lan>\r\nSTARTTLS\r\nMAIL FROM:<x@evil>\r\nRCPT TO:<y@evil>\r\n"),
      [.reply("250 2.1.0 Ok"), .reply("220 2.0.0 Ready to start TLS"), .startTLS(discarded: 38)])
    XCTAssertEqual(driver.session.phase, .startingTLS)
    XCTAssertEqual(driver.feed("DATA\r\n"), [], "nothing is read until the handshake is done")
    driver.session.startedTLS(Self.tls)
    // The transaction and the EHLO before TLS are forgotten (RFC 3207 §4.2).
    XCTAssertEqual(driver.feed("MAIL FROM:<a@lan>\r\n"), [.reply("503 Send EHLO or HELO first")])
    // A partial line behind STARTTLS counts as discarded too.
    var partial = self.driver()
    XCTAssertEqual(
      partial.feed("STARTTLS\r\nMAIL FR"), [.reply("220 Ready to start TLS"), .startTLS(discarded: 7)])
  }

  func testAUTHPLAINWithAndWithoutAnInitialResponse() {
    var driver = insideTLS()
    XCTAssertEqual(
      driver.feed("AUTH PLAIN \(Self.plain("\0alice\0secret"))\r\n"),
      [.authenticate(SMTPCredentials(user: "alice", password: "secret")), .reply("235 2.7.0 Authentication successful")])
    XCTAssertEqual(driver.session.user, "alice")
    XCTAssertEqual(driver.feed("AUTH PLAIN\r\n"), [.reply("503 5.5.1 Already authenticated")])

    var asked = insideTLS()
    XCTAssertEqual(asked.feed("auth plain\r\n"), [.reply("334 ")])
    XCTAssertEqual(
      asked.feed("\(Self.plain("alice\0alice\0secret"))\r\n"),
      [.authenticate(SMTPCredentials(authorizationID: "alice", user: "alice", password: "secret")),
       .reply("235 2.7.0 Authentication successful")])
  }

  func testAUTHLOGINAsksForTheNameThenThePassword() {
    var driver = insideTLS()
    XCTAssertEqual(driver.feed("AUTH LOGIN\r\n"), [.reply("334 VXNlcm5hbWU6")])
    XCTAssertEqual(driver.feed("\(Self.plain("alice"))\r\n"), [.reply("334 UGFzc3dvcmQ6")])
    XCTAssertEqual(
      driver.feed("\(Self.plain("secret"))\r\n"),
      [.authenticate(SMTPCredentials(user: "alice", password: "secret")), .reply("235 2.7.0 Authentication successful")])
    // With the name as initial response (as Outlook sends it).
    var initial = insideTLS()
    XCTAssertEqual(initial.feed("AUTH LOGIN \(Self.plain("alice"))\r\n"), [.reply("334 UGFzc3dvcmQ6")])
  }

  func testCancelledMalformedAndUnknownExchangesAreRefused() {
    var driver = insideTLS()
    XCTAssertEqual(driver.feed("AUTH LOGIN\r\n*\r\n").last, .reply("501 5.0.0 Authentication cancelled"))
    XCTAssertEqual(driver.feed("AUTH PLAIN !!!notbase64\r\n"), [.reply("501 5.5.2 Cannot decode response")])
    XCTAssertEqual(driver.feed("AUTH PLAIN \(Self.plain("no nuls"))\r\n"), [.reply("501 5.5.2 Malformed PLAIN response")])
    XCTAssertEqual(driver.feed("AUTH PLAIN =\r\n"), [.reply("501 5.5.2 Malformed PLAIN response")])
    XCTAssertEqual(driver.feed("AUTH CRAM-MD5\r\n"), [.reply("504 5.5.4 Unrecognized authentication type")])
    XCTAssertEqual(driver.feed("AUTH\r\n"), [.reply("501 5.5.4 Syntax: AUTH mechanism [initial-response]")])
    XCTAssertEqual(driver.feed("NOOP\r\n"), [.reply("250 2.0.0 Ok")], "the session is back to commands")
    XCTAssertNil(driver.session.user)
  }

  func testAWrongPasswordGets535AndTheThirdEndsTheSession() {
    var driver = insideTLS()
    let wrong = "AUTH PLAIN \(Self.plain("\0alice\0guess"))\r\n"
    let credentials = SMTPCredentials(user: "alice", password: "guess")
    XCTAssertEqual(driver.feed(wrong), [.authenticate(credentials), .reply("535 5.7.8 Authentication credentials invalid")])
    XCTAssertEqual(driver.feed(wrong).last, .reply("535 5.7.8 Authentication credentials invalid"))
    XCTAssertEqual(
      driver.feed(wrong + "NOOP\r\n"),
      [.authenticate(credentials), .reply("535 5.7.8 Authentication credentials invalid"),
       .reply("421 4.7.0 relay.test Error: too many failed authentications"), .close])
    XCTAssertEqual(driver.session.phase, .closed)
  }

  func testCommandsPipelinedAfterAUTHWaitForItsOutcome() {
    var driver = insideTLS()
    XCTAssertEqual(
      driver.feed("AUTH PLAIN \(Self.plain("\0alice\0secret"))\r\nMAIL FROM:<alice@lan>\r\n"),
      [.authenticate(SMTPCredentials(user: "alice", password: "secret")), .reply("235 2.7.0 Authentication successful"),
       .reply("250 2.1.0 Ok")])
  }

  func testSubmissionNeedsAUTHBeforeMAILAndThenRelaysAnywhere() {
    var driver = insideTLS(submission: true, mayRelay: false)
    XCTAssertEqual(driver.feed("MAIL FROM:<alice@lan>\r\n"), [.reply("530 5.7.0 Authentication required")])
    _ = driver.feed("AUTH PLAIN \(Self.plain("\0alice\0secret"))\r\n")
    XCTAssertEqual(
      driver.feed("MAIL FROM:<alice@lan>\r\nRCPT TO:<bob@example.org>\r\n"), [.reply("250 2.1.0 Ok"), .reply("250 2.1.5 Ok")])
  }

  func testPort25StillDeniesRelayButNotToAnAuthenticatedClient() {
    var anonymous = insideTLS(mayRelay: false)
    XCTAssertEqual(
      anonymous.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<bob@example.org>\r\n").suffix(2),
      [.denied("bob@example.org"), .reply("550 5.7.1 Relay access denied for <bob@example.org>")])
    var authenticated = insideTLS(mayRelay: false)
    _ = authenticated.feed("AUTH PLAIN \(Self.plain("\0alice\0secret"))\r\n")
    XCTAssertEqual(
      authenticated.feed("MAIL FROM:<a@lan>\r\nRCPT TO:<bob@example.org>\r\n"), [.reply("250 2.1.0 Ok"), .reply("250 2.1.5 Ok")])
  }

  func testTheReceivedHeaderNamesTheTLSAndTheUserAsESMTPSA() {
    let envelope = SMTPEnvelope(
      helo: Array("pc".utf8), extended: true, sender: [], recipients: [Array("b@lan".utf8)], eightBit: false,
      tls: Self.tls, user: "al(ice)\n\\X-Evil: 1")
    XCTAssertEqual(
      String(decoding: ReceivedHeader.render(envelope: envelope, clientAddress: "[::1]", hostName: "relay", id: "X", date: "D"), as: UTF8.self),
      "Received: from pc ([::1])\n\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)\n\t(authenticated as aliceX-Evil:1)\n"
        + "\tby relay (in.smtp) with ESMTPSA id X\n\tfor <b@lan>;\n\tD\n")
    var tlsOnly = envelope
    tlsOnly.user = nil
    XCTAssertTrue(
      String(decoding: ReceivedHeader.render(envelope: tlsOnly, clientAddress: "[::1]", hostName: "relay", id: "X", date: "D"), as: UTF8.self)
        .contains(") with ESMTPS id X"))
  }
}
