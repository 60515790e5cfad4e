import Foundation
import Store
import TestSupport
import XCTest

/// in.jabberd run by hand with `-d` on one end of a Unix stream socket pair: the test writes a
/// whole client stream, the daemon answers it, and its log lines (LOGIN, DENIED) can be read.
final class InJabberdCommandLineTests: XCTestCase {
  /// Runs `in.jabberd -d ARGUMENTS` on a socket holding `client`, then the client's end closed
  /// for writing; what it answered and logged.
  func runInJabberd(_ arguments: [String], client: String) throws -> (status: Int32, log: String, answer: String) {
    var pair: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw SetupFailure("socketpair failed") }
    defer {
      close(pair[0])
      close(pair[1])
    }
    let bytes = Array(client.utf8)
    XCTAssertEqual(bytes.withUnsafeBytes { write(pair[0], $0.baseAddress, $0.count) }, bytes.count)
    shutdown(pair[0], Int32(SHUT_WR))
    let result = try BuildProducts.runDaemon("in.jabberd", arguments, input: pair[1])
    close(pair[1])
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(pair[0], $0.baseAddress, $0.count) }
      guard count > 0 else { break }
      answer += buffer[0..<count]
    }
    return (result.status, result.log, String(decoding: answer, as: UTF8.self))
  }

  static func legacyLogin(_ user: String, _ password: String, then stanzas: String = "") -> String {
    "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
      + "<iq type='set' id='a'><query xmlns='jabber:iq:auth'><username>\(user)</username>"
      + "<password>\(password)</password><resource>cli</resource></query></iq>" + stanzas + "</stream:stream>"
  }

  func testDropInModeTakesTheUsersFromTheOriginalsFileAndRefusesOfflineStorageWithoutAStore() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/in.jabberd.conf"
    try "# chat users\nalice : s3cret\nbob : hunter2\n".write(toFile: file, atomically: true, encoding: .utf8)
    let accepted = try runInJabberd(
      ["-c", file],
      client: Self.legacyLogin(
        "alice", "s3cret", then: "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>"
          + "<message to='bob@home.lan' id='m'><body>are you there?</body></message>"))
    XCTAssertEqual(accepted.status, 0, accepted.log)
    XCTAssertTrue(accepted.log.contains("LOGIN alice@home.lan/cli\n"), accepted.log)
    XCTAssertTrue(accepted.log.contains("LOGOUT alice@home.lan/cli\n"), accepted.log)
    XCTAssertTrue(accepted.answer.contains("<iq type='result' id='a'/>"), accepted.answer)
    XCTAssertTrue(accepted.answer.contains("jid='bob@home.lan' name='bob' subscription='both'"), accepted.answer)
    XCTAssertTrue(accepted.answer.contains("<service-unavailable "), "no store for offline messages: \(accepted.answer)")
    XCTAssertTrue(accepted.answer.hasSuffix("</stream:stream>"), accepted.answer)

    let refused = try runInJabberd(["-c", file], client: Self.legacyLogin("alice", "wrong"))
    // A Unix socket has no address to name.
    XCTAssertTrue(refused.log.contains("DENIED alice from unknown\n"), refused.log)
    XCTAssertTrue(refused.answer.contains("<error type='auth' code='401'><not-authorized "), refused.answer)
  }

  func testStoreModeKeepsAnOfflineMessageForTheNextLogin() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let slugctl = try BuildProducts.binDirectory() + "/slugctl"
    for arguments in [["init"], ["jabber", "adduser", "alice", "--password", "a1"], ["jabber", "adduser", "bob", "--password", "b1"]] {
      let result = try ChildProcess.run(slugctl, arguments + ["--db", database])
      guard result.status == 0 else { throw SetupFailure("slugctl \(arguments): \(result.output)") }
    }
    let sent = try runInJabberd(
      ["--db", database],
      client: Self.legacyLogin("alice", "a1", then: "<message to='bob@home.lan' type='chat'><body>later &amp; more</body></message>"))
    XCTAssertEqual(sent.status, 0, sent.log)
    XCTAssertFalse(sent.answer.contains("type='error'"), sent.answer)
    let received = try runInJabberd(["--db", database], client: Self.legacyLogin("bob", "b1", then: "<presence/>"))
    XCTAssertTrue(received.answer.contains("<body>later &amp; more</body>"), received.answer)
    XCTAssertTrue(received.answer.contains("<stanza-id xmlns='urn:xmpp:sid:0' by='bob@home.lan'"), received.answer)
    XCTAssertTrue(received.answer.contains("<delay xmlns='urn:xmpp:delay' from='home.lan'"), received.answer)
    XCTAssertTrue(received.answer.contains("from='alice@home.lan/cli'"), received.answer)
  }

  func testRejectsABadCommandLineWithUsage() throws {
    for arguments in [["-x"], ["-t", "0"], ["--domain", "a@b"], ["extra"], ["--db"]] {
      let result = try BuildProducts.runDaemon("in.jabberd", arguments, input: nil)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertTrue(result.log.contains("usage: in.jabberd [-d] [-n] [--db PATH]"), result.log)
    }
  }

  /// `-n`: the domain, where the users come from and how many there are (never a password),
  /// the store, the idle time and the mode; fd 0 is /dev/null, not a socket.
  func testCheckModeCountsTheUsersOfTheStoreOrTheFileAndNeverShowsAPassword() throws {
    let directory = try TemporaryDirectory()
    let database = directory.path + "/slug.db"
    let store = try Store(path: database)
    // Stand-in keys: -n only counts the accounts (slugctl makes real ones).
    let credential = JabberCredential(salt: [1], iterations: 4096, storedKey: [2], serverKey: [3])
    for (name, password) in [("alice", "a1-secret"), ("bob", "b1-secret"), ("carol", "c1-secret")] {
      try store.addJabberAccount(JabberAccount(name: name, sha1: credential, sha256: credential, legacyPassword: password))
    }
    let bin = try BuildProducts.binDirectory()
    let fromStore = try ChildProcess.run(bin + "/in.jabberd", ["-n", "--db", database, "--domain", "home.lan"])
    XCTAssertEqual(fromStore.status, 0, fromStore.output)
    XCTAssertEqual(
      fromStore.output,
      "domain home.lan\nusers-from store \(database)\nusers 3\nstore \(database)\nidle 600\nlegacy no\n"
        + "tls-dir \(directory.path)/tls\ntls none (no server.pem and server.key): logins in the clear\n"
        + "max-clients 128\nmax-per-source 64\n")

    let file = directory.path + "/in.jabberd.conf"
    try "alice : s3cret\nbob : hunter2\n".write(toFile: file, atomically: true, encoding: .utf8)
    let fromFile = try ChildProcess.run(bin + "/in.jabberd", ["-n", "-c", file, "-t", "60", "--legacy"])
    XCTAssertEqual(fromFile.status, 0, fromFile.output)
    XCTAssertEqual(
      fromFile.output,
      "domain the one each client's stream names\nusers-from file \(file)\nusers 2\n"
        + "store none (no offline messages or vCards)\nidle 60\nlegacy yes\ntls-dir none\n"
        + "tls none (no server.pem and server.key): logins in the clear\nmax-clients 128\nmax-per-source 64\n")
    for password in ["secret", "s3cret", "hunter2"] {
      XCTAssertFalse(fromStore.output.contains(password) || fromFile.output.contains(password), password)
    }
  }

  func testCheckModeNamesABadUserFileLineOrAMissingStore() throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/in.jabberd.conf"
    try "alice : s3cret\nbob hunter2\n".write(toFile: file, atomically: true, encoding: .utf8)
    let bin = try BuildProducts.binDirectory()
    let bad = try ChildProcess.run(bin + "/in.jabberd", ["-n", "-c", file])
    XCTAssertEqual(bad.status, 65, bad.output)
    XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
    XCTAssertTrue(bad.output.contains("\(file):2: "), bad.output)
    // The malformed line may be a password: it is not repeated (it was, whole, until issue 18).
    XCTAssertFalse(bad.output.contains("hunter2"), bad.output)

    let noStore = try ChildProcess.run(bin + "/in.jabberd", ["-n", "--db", directory.path + "/absent.db"])
    XCTAssertEqual(noStore.status, 66, noStore.output)
    XCTAssertEqual(noStore.output.split(separator: "\n").count, 1, noStore.output)
    XCTAssertTrue(noStore.output.contains(directory.path + "/absent.db"), noStore.output)
  }
}
