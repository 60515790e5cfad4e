import Crypto
import XCTest

@testable import XMPP

/// Accounts as the store keeps them since issue 18: SCRAM keys only, the password itself only
/// for a legacy account; and the back-off after failed logins.
final class SessionHashedCredentialTests: XCTestCase {
  let users = [("alice", "s3cret"), ("Bob", "hunter2")]

  func hashedNetwork(legacy: Set<String> = []) -> SessionNetwork {
    SessionNetwork(backend: MemoryBackend(hashed: users, legacy: legacy))
  }

  func testSCRAMLogsInFromTheStoredKeysAlone() throws {
    for hash in [SCRAMHash.sha256, .sha1] {
      let network = hashedNetwork()
      XCTAssertNil(network.backend.account(named: "bob")?.password, "the server has no password")
      XCTAssertTrue(try scramLogin(network, user: "bob", password: "hunter2", hash: hash), "\(hash)")
      XCTAssertFalse(try scramLogin(network, user: "bob", password: "wrong", hash: hash), "\(hash)")
      XCTAssertFalse(try scramLogin(network, user: "nobody", password: "hunter2", hash: hash), "\(hash)")
    }
  }

  func testTheChallengeCarriesTheStoredSaltAndIterations() throws {
    let network = hashedNetwork()
    let fields = try serverFirst(network, user: "alice", hash: .sha256)
    let stored = try XCTUnwrap(network.backend.account(named: "alice")?.sha256)
    XCTAssertEqual(fields["s"], Base64.encode(stored.salt))
    XCTAssertEqual(fields["i"], String(stored.iterations))
  }

  /// An unknown name gets a salt of its own that is the same at every probe, as a real user's
  /// is, so probing twice does not tell names that exist from names that do not.
  func testAnUnknownUsersDecoySaltIsTheSameAtEveryProbeAndDiffersByName() throws {
    let network = hashedNetwork()
    let first = try serverFirst(network, user: "mallory", hash: .sha1)
    let again = try serverFirst(network, user: "Mallory", hash: .sha1)
    let other = try serverFirst(network, user: "trent", hash: .sha1)
    XCTAssertEqual(first["s"], again["s"])
    XCTAssertNotEqual(first["s"], other["s"])
    XCTAssertEqual(first["i"], "64")
    let sha256 = try serverFirst(network, user: "mallory", hash: .sha256)
    XCTAssertNotEqual(first["s"], sha256["s"])
  }

  func testPlainIsCheckedByDerivingFromTheStoredSalt() {
    let network = hashedNetwork()
    XCTAssertEqual(plain(network, "alice", "s3cret"), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    XCTAssertTrue(plain(network, "alice", "s3creT").contains("<not-authorized/>"))
    XCTAssertTrue(plain(network, "nobody", "s3cret").contains("<not-authorized/>"))
  }

  /// The digest needs the password: only a legacy account keeps it, and only to a legacy
  /// account is it offered. A plaintext password works for every account.
  func testTheLegacyDigestWorksOnlyForALegacyAccount() throws {
    let network = hashedNetwork(legacy: ["alice"])
    XCTAssertEqual(try legacyFields(network, "alice"), ["username", "password", "digest", "resource"])
    XCTAssertEqual(try legacyFields(network, "bob"), ["username", "password", "resource"])
    XCTAssertEqual(try legacyFields(network, "nobody"), ["username", "password", "resource"])
    XCTAssertEqual(try legacyLogin(network, "alice", digestOf: "s3cret"), "result")
    XCTAssertEqual(try legacyLogin(network, "bob", digestOf: "hunter2"), "error")
    XCTAssertEqual(try legacyLogin(network, "bob", password: "hunter2"), "result")
    XCTAssertEqual(try legacyLogin(network, "bob", password: "hunter3"), "error")
  }

  /// After a failure the next attempt from the address waits (the session asks for a pause
  /// and takes the attempt up at `.resume`); the waits double; a success clears them.
  func testAfterAFailureTheNextAttemptIsHeldForTheBackOffThenAnswered() {
    let network = hashedNetwork()
    network.backend.backOffBase = 1000
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    let start = network.now
    XCTAssertTrue(plainOn(network, client, "alice", "wrong").contains("<not-authorized/>"))
    XCTAssertEqual(network.clients[client].pauses, [])
    XCTAssertTrue(plainOn(network, client, "alice", "wrong").contains("<not-authorized/>"))
    XCTAssertEqual(network.clients[client].pauses, [start + 1000])
    let second = network.connect()
    network.send(second, SessionNetwork.header)
    _ = network.take(second)
    let before = network.now
    XCTAssertEqual(plainOn(network, second, "alice", "s3cret"), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    XCTAssertEqual(network.clients[second].pauses, [before + 2000], "doubled")
    XCTAssertEqual(network.backend.failures, 0, "the success cleared them")
    XCTAssertEqual(
      network.clients[client].logs.filter { $0.level == .authError }.map(\.message),
      ["DENIED alice from 192.0.2.1", "DENIED alice from 192.0.2.1"])
  }

  // MARK: Helpers

  func serverFirst(_ network: SessionNetwork, user: String, hash: SCRAMHash) throws -> [String: String] {
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(
      client,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='\(hash.mechanism)'>\(Base64.encode(Array("n,,n=\(user),r=abc".utf8)))</auth>"
    )
    let challenge = try XCTUnwrap(stanzas(network.take(client)).first)
    let text = String(decoding: try XCTUnwrap(Base64.decode(challenge.text)), as: UTF8.self)
    var fields: [String: String] = [:]
    for field in text.split(separator: ",") { fields[String(field.prefix(1))] = String(field.dropFirst(2)) }
    return fields
  }

  func plain(_ network: SessionNetwork, _ user: String, _ password: String) -> String {
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    return plainOn(network, client, user, password)
  }

  func plainOn(_ network: SessionNetwork, _ client: Int, _ user: String, _ password: String) -> String {
    network.send(
      client,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(Base64.encode(Array("\0\(user)\0\(password)".utf8)))</auth>")
    return network.take(client)
  }

  func legacyStream(_ network: SessionNetwork) -> Int {
    let client = network.connect()
    network.send(client, "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
    _ = network.take(client)
    return client
  }

  func legacyFields(_ network: SessionNetwork, _ user: String) throws -> [String] {
    let client = legacyStream(network)
    network.send(client, "<iq type='get' id='a1'><query xmlns='jabber:iq:auth'><username>\(user)</username></query></iq>")
    return try XCTUnwrap(stanzas(network.take(client)).first?.child("query")).elements.map(\.name)
  }

  func legacyLogin(_ network: SessionNetwork, _ user: String, digestOf: String? = nil, password: String? = nil) throws -> String? {
    let client = legacyStream(network)
    let streamID = network.clients[client].session.streamID
    let credential =
      digestOf.map { "<digest>\(LegacyAuthDigest.digest(streamID: streamID, password: $0))</digest>" }
      ?? "<password>\(password ?? "")</password>"
    network.send(
      client,
      "<iq type='set' id='a2'><query xmlns='jabber:iq:auth'><username>\(user)</username>\(credential)<resource>r</resource></query></iq>")
    return try XCTUnwrap(stanzas(network.take(client)).first).attribute("type")
  }
}
