import Crypto
import XCTest

@testable import XMPP

final class SessionAuthenticationTests: XCTestCase {
  let users = [("alice", "s3cret"), ("Bob", "hunter2")]

  func testVersionedStreamGetsHeaderWithIdAndSASLMechanisms() throws {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    let output = network.take(client)
    XCTAssertTrue(output.hasPrefix("<?xml version='1.0'?><stream:stream "), output)
    XCTAssertTrue(output.contains("version='1.0'"))
    XCTAssertTrue(output.contains("from='home.lan'"))
    let id = network.clients[client].session.streamID
    XCTAssertGreaterThanOrEqual(id.count, 16)
    XCTAssertTrue(output.contains("id='\(id)'"))
    let features = try XCTUnwrap(stanzas(output).first)
    XCTAssertEqual(features.name, "features")
    let mechanisms = try XCTUnwrap(features.child("mechanisms", namespace: StanzaNamespace.sasl))
    XCTAssertEqual(mechanisms.elements.map(\.text), ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
  }

  func testStreamWithoutVersionGetsNoFeaturesAsTheOriginal() {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(
      client, "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
    let output = network.take(client)
    XCTAssertFalse(output.contains("' version="), output)
    XCTAssertFalse(output.contains("features"), output)
  }

  func testPlainLoginBindsTheResourceAndJoinsTheMesh() throws {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(
      client,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(Base64.encode(Array("\0alice\0s3cret".utf8)))</auth>"
    )
    XCTAssertEqual(network.take(client), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
    network.send(client, SessionNetwork.header)
    let restarted = network.take(client)
    XCTAssertTrue(restarted.contains("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"), restarted)
    XCTAssertFalse(network.clients[client].inMesh)
    network.send(client, "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
    let bound = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(bound.attribute("type"), "result")
    let jid = try XCTUnwrap(bound.child("bind")?.child("jid")?.text)
    XCTAssertTrue(jid.hasPrefix("alice@home.lan/slug-"), jid)
    XCTAssertTrue(network.clients[client].inMesh)
    XCTAssertEqual(network.clients[client].logs.last, SessionLogLine(.authNotice, "LOGIN \(jid)"))
    network.send(client, "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
    XCTAssertEqual(stanzas(network.take(client)).first?.attribute("type"), "result")
  }

  func testWrongPasswordIsRefusedWithNotAuthorizedAndTheThirdFailureEndsTheStream() {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    let wrong = Base64.encode(Array("\0alice\0wrong".utf8))
    for attempt in 1...3 {
      network.send(client, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(wrong)</auth>")
      let output = network.take(client)
      XCTAssertTrue(
        output.hasPrefix("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"), output)
      XCTAssertEqual(output.hasSuffix("</stream:stream>"), attempt == 3, output)
      XCTAssertEqual(network.clients[client].closed, attempt == 3)
    }
    XCTAssertEqual(network.clients[client].logs.filter { $0 == SessionLogLine(.authError, "DENIED alice from 192.0.2.1") }.count, 3)
  }

  func testUnknownMechanismAndBadBase64AreRefusedWithTheirConditions() {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(client, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>")
    XCTAssertTrue(network.take(client).contains("<invalid-mechanism/>"))
    network.send(client, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!!</auth>")
    XCTAssertTrue(network.take(client).contains("<incorrect-encoding/>"))
  }

  func testStanzaBeforeAuthenticationIsAStreamError() {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(client, "<message to='bob@home.lan'><body>hi</body></message>")
    let output = network.take(client)
    XCTAssertTrue(output.contains("<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"), output)
    XCTAssertTrue(network.clients[client].closed)
  }

  func testMalformedXMLBecomesAStreamErrorAfterAHeader() {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, "<!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>")
    let output = network.take(client)
    XCTAssertTrue(output.hasPrefix("<?xml version='1.0'?><stream:stream"), output)
    XCTAssertTrue(output.contains("<stream:error>"), output)
    XCTAssertTrue(network.clients[client].closed)
  }

  func testConfiguredDomainRefusesAnotherWithHostUnknown() {
    let network = SessionNetwork(users: users, configuration: SessionConfiguration(domain: "other.lan"))
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    XCTAssertTrue(network.take(client).contains("<host-unknown "))
  }

  func testSCRAMSHA256AndSHA1LogInAndAWrongPasswordDoesNot() throws {
    for hash in [SCRAMHash.sha256, .sha1] {
      let network = SessionNetwork(users: users)
      XCTAssertTrue(try scramLogin(network, user: "bob", password: "hunter2", hash: hash), "\(hash)")
      XCTAssertFalse(try scramLogin(network, user: "bob", password: "wrong", hash: hash), "\(hash)")
      XCTAssertFalse(try scramLogin(network, user: "nobody", password: "hunter2", hash: hash), "\(hash)")
    }
  }

  func testLegacyAuthOffersDigestAndAcceptsItOrAPlaintextPassword() throws {
    let network = SessionNetwork(users: users)
    for useDigest in [true, false] {
      let client = network.connect()
      network.send(
        client, "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
      _ = network.take(client)
      network.send(client, "<iq type='get' id='a1'><query xmlns='jabber:iq:auth'><username>bob</username></query></iq>")
      let fields = try XCTUnwrap(stanzas(network.take(client)).first?.child("query"))
      XCTAssertEqual(fields.elements.map(\.name), ["username", "password", "digest", "resource"])
      let streamID = network.clients[client].session.streamID
      let credential =
        useDigest
        ? "<digest>\(LegacyAuthDigest.digest(streamID: streamID, password: "hunter2").uppercased())</digest>"
        : "<password>hunter2</password>"
      network.send(
        client,
        "<iq type='set' id='a2'><query xmlns='jabber:iq:auth'><username>bob</username>\(credential)<resource>old</resource></query></iq>"
      )
      let result = try XCTUnwrap(stanzas(network.take(client)).first)
      XCTAssertEqual(result.attribute("type"), "result")
      XCTAssertEqual(result.attribute("id"), "a2")
      XCTAssertTrue(network.clients[client].inMesh)
      XCTAssertEqual(network.clients[client].logs.last, SessionLogLine(.authNotice, "LOGIN bob@home.lan/old"))
    }
  }

  func testLegacyAuthWithAWrongDigestGets401NotAuthorized() throws {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(
      client, "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
    _ = network.take(client)
    network.send(
      client,
      "<iq type='set' id='a2'><query xmlns='jabber:iq:auth'><username>bob</username><digest>48fc78be9ec8f86d8ce1c39c320c97c21d62334d</digest><resource>old</resource></query></iq>"
    )
    let reply = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(reply.attribute("type"), "error")
    let error = try XCTUnwrap(reply.child("error"))
    XCTAssertEqual(error.attribute("code"), "401")
    XCTAssertNotNil(error.child("not-authorized", namespace: StanzaNamespace.stanzaErrors))
    XCTAssertFalse(network.clients[client].closed)
    XCTAssertEqual(network.clients[client].logs.last, SessionLogLine(.authError, "DENIED bob from 192.0.2.1"))
  }
}

extension XCTestCase {
  /// The client side of RFC 5802, written out from the RFC.
  func scramLogin(_ network: SessionNetwork, user: String, password: String, hash: SCRAMHash) throws -> Bool {
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    let clientFirstBare = "n=\(user),r=clientnonce123"
    network.send(
      client,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='\(hash.mechanism)'>\(Base64.encode(Array("n,,\(clientFirstBare)".utf8)))</auth>"
    )
    let challenge = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(challenge.name, "challenge")
    let serverFirst = String(decoding: try XCTUnwrap(Base64.decode(challenge.text)), as: UTF8.self)
    var fields: [String: String] = [:]
    for field in serverFirst.split(separator: ",") {
      fields[String(field.prefix(1))] = String(field.dropFirst(2))
    }
    let nonce = try XCTUnwrap(fields["r"])
    XCTAssertTrue(nonce.hasPrefix("clientnonce123"))
    let salt = try XCTUnwrap(Base64.decode(try XCTUnwrap(fields["s"])))
    let iterations = try XCTUnwrap(Int(try XCTUnwrap(fields["i"])))
    let withoutProof = "c=biws,r=\(nonce)"
    let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
    let salted: [UInt8]
    let clientKey: [UInt8]
    let signature: [UInt8]
    switch hash {
    case .sha1:
      salted = PBKDF2.sha1(password: Array(password.utf8), salt: salt, iterations: iterations)
      clientKey = HMAC.sha1(key: salted, message: Array("Client Key".utf8))
      signature = HMAC.sha1(key: SHA1.hash(clientKey), message: authMessage)
    case .sha256:
      salted = PBKDF2.sha256(password: Array(password.utf8), salt: salt, iterations: iterations)
      clientKey = HMAC.sha256(key: salted, message: Array("Client Key".utf8))
      signature = HMAC.sha256(key: SHA256.hash(clientKey), message: authMessage)
    }
    let proof = zip(clientKey, signature).map { $0 ^ $1 }
    network.send(
      client,
      "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Base64.encode(Array("\(withoutProof),p=\(Base64.encode(proof))".utf8)))</response>"
    )
    let answer = try XCTUnwrap(stanzas(network.take(client)).first)
    if answer.name == "success" {
      let final = String(decoding: try XCTUnwrap(Base64.decode(answer.text)), as: UTF8.self)
      XCTAssertTrue(final.hasPrefix("v="), final)
      return true
    }
    XCTAssertEqual(answer.name, "failure")
    XCTAssertNotNil(answer.child("not-authorized"))
    return false
  }
}
