import Crypto
import XCTest

@testable import XMPP

/// STARTTLS (RFC 6120 §5), direct TLS (XEP-0368) and logins inside TLS: -PLUS mechanisms with
/// the channel binding types advertised (XEP-0440), PLAIN and jabber:iq:auth only inside TLS.
/// The TLS layer is the harness's fake (tls-exporter 00..1f, tls-server-end-point 64..83).
final class SessionTLSTests: XCTestCase {
  let users = [("alice", "s3cret")]
  let withCertificate = SessionConfiguration(tlsAvailable: true, scramIterations: 64)
  let starttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"

  func testWithACertificateTheFirstFeaturesOfferOnlyRequiredSTARTTLS() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    let features = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(features.elements.map(\.name), ["starttls"])
    XCTAssertEqual(features.child("starttls", namespace: StanzaNamespace.tls)?.elements.map(\.name), ["required"])
  }

  func testPlainLoginBeforeSTARTTLSIsRefusedAsEncryptionRequiredAndTheStreamEnds() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(client, plainAuth("alice", "s3cret"))
    let output = network.take(client)
    XCTAssertTrue(output.contains("<encryption-required/>"), output)
    XCTAssertFalse(output.contains("<success"), output)
    XCTAssertTrue(network.clients[client].closed)
    XCTAssertNil(network.clients[client].session.jid)
    XCTAssertEqual(network.backend.failures, 0, "not a wrong password: no back-off")
  }

  func testLegacyAuthBeforeSTARTTLSIsAPolicyViolation() {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.send(client, "<stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
    _ = network.take(client)
    network.send(
      client,
      "<iq type='set' id='a'><query xmlns='jabber:iq:auth'><username>alice</username><password>s3cret</password><resource>r</resource></query></iq>"
    )
    let output = network.take(client)
    XCTAssertTrue(output.contains("<policy-violation"), output)
    XCTAssertFalse(output.contains("type='result'"), output)
    XCTAssertTrue(network.clients[client].closed)
  }

  func testSTARTTLSProceedsRestartsTheStreamWithANewIDAndOffersPlusMechanismsWithTheirBindings() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    let clearID = network.clients[client].session.streamID
    network.send(client, starttls)
    XCTAssertEqual(network.take(client), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    XCTAssertEqual(network.clients[client].handshakes, 1)
    network.send(client, SessionNetwork.header)
    let output = network.take(client)
    XCTAssertTrue(output.hasPrefix("<?xml version='1.0'?><stream:stream "), output)
    XCTAssertNotEqual(network.clients[client].session.streamID, clearID)
    let features = try XCTUnwrap(stanzas(output).first)
    XCTAssertNil(features.child("starttls", namespace: StanzaNamespace.tls))
    XCTAssertEqual(
      features.child("mechanisms", namespace: StanzaNamespace.sasl)?.elements.map(\.text),
      ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
    XCTAssertEqual(
      features.child("sasl-channel-binding", namespace: "urn:xmpp:sasl-cb:0")?.elements.map { $0.attribute("type") },
      ["tls-exporter", "tls-server-end-point"])
    XCTAssertNotNil(features.child("auth", namespace: StanzaNamespace.legacyAuthFeature))
  }

  /// The STARTTLS injection class: what the client (or someone on the way) sent in the same
  /// packet as `<starttls/>` is never acted on.
  func testWhatCameWithSTARTTLSIsDiscardedUnread() {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    network.send(client, starttls + plainAuth("alice", "s3cret") + "<presence/>")
    XCTAssertEqual(network.take(client), "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    XCTAssertFalse(network.clients[client].closed)
    XCTAssertFalse(network.clients[client].session.isAuthenticated)
    XCTAssertEqual(network.backend.succeeded + network.backend.failures, 0)
    network.send(client, SessionNetwork.header)
    XCTAssertTrue(network.take(client).contains("<stream:features>"))
  }

  func testPlainLoginInsideTLSWorks() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = secured(network)
    network.send(client, plainAuth("alice", "s3cret"))
    XCTAssertEqual(network.take(client), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
  }

  func testSCRAMSHA256PlusAndSHA1PlusLogInWithEitherBindingType() throws {
    for (hash, type) in [(SCRAMHash.sha256, "tls-exporter"), (.sha1, "tls-server-end-point"), (.sha256, "tls-server-end-point")] {
      let network = SessionNetwork(users: users, configuration: withCertificate)
      let client = secured(network)
      let data = type == "tls-exporter" ? network.clients[client].tls.exporter : network.clients[client].tls.endPoint
      XCTAssertEqual(try scram(network, client, hash: hash, plus: true, gs2: "p=\(type),,", bindingData: data), "success")
    }
  }

  func testSCRAMPlusWithAnotherConnectionsBindingDataFails() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = secured(network)
    let relayed = Array(repeating: UInt8(9), count: 32)
    XCTAssertEqual(try scram(network, client, hash: .sha256, plus: true, gs2: "p=tls-exporter,,", bindingData: relayed), "failure")
    XCTAssertFalse(network.clients[client].session.isAuthenticated)
  }

  func testPlainSCRAMWithYFlagInsideTLSIsADowngradeAndWithNFlagLogsIn() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = secured(network)
    XCTAssertEqual(try scram(network, client, hash: .sha256, plus: false, gs2: "y,,", bindingData: []), "failure")
    XCTAssertEqual(try scram(network, client, hash: .sha256, plus: false, gs2: "n,,", bindingData: []), "success")
  }

  /// TLS 1.2 has no tls-exporter (RFC 9266): only tls-server-end-point is offered and accepted.
  func testUnderTLS12OnlyTheServerEndPointBindingIsAdvertised() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.clients[client].tls = SessionTLS(version: "TLSv1.2", exporter: [], endPoint: Array(100..<132))
    network.send(client, SessionNetwork.header)
    network.send(client, starttls)
    _ = network.take(client)
    network.send(client, SessionNetwork.header)
    let features = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(
      features.child("sasl-channel-binding", namespace: "urn:xmpp:sasl-cb:0")?.elements.map { $0.attribute("type") },
      ["tls-server-end-point"])
    XCTAssertEqual(
      try scram(network, client, hash: .sha256, plus: true, gs2: "p=tls-exporter,,", bindingData: []), "failure")
  }

  /// XEP-0368: the handshake came before the first byte; the first stream is already secure.
  func testDirectTLSOffersPlusMechanismsOnTheFirstStream() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = network.connect()
    network.deliver(client, .tlsStarted(network.clients[client].tls))
    network.send(client, SessionNetwork.header)
    let features = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertNil(features.child("starttls", namespace: StanzaNamespace.tls))
    XCTAssertEqual(features.child("mechanisms", namespace: StanzaNamespace.sasl)?.elements.first?.text, "SCRAM-SHA-256-PLUS")
    network.send(client, starttls)
    XCTAssertTrue(network.take(client).hasPrefix("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))
    XCTAssertTrue(network.clients[client].closed)
  }

  func testAllowPlaintextOffersSTARTTLSWithoutRequiredAndTheMechanismsBeside() throws {
    let configuration = SessionConfiguration(tlsAvailable: true, allowPlaintext: true, scramIterations: 64)
    let network = SessionNetwork(users: users, configuration: configuration)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    let features = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertEqual(features.child("starttls", namespace: StanzaNamespace.tls)?.elements.count, 0)
    XCTAssertEqual(
      features.child("mechanisms", namespace: StanzaNamespace.sasl)?.elements.map(\.text), ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
    network.send(client, plainAuth("alice", "s3cret"))
    XCTAssertEqual(network.take(client), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
  }

  /// Without a certificate nothing changes: no STARTTLS offered, and asking for it gets
  /// `<failure/>` and the end of the stream (RFC 6120 §5.4.2.2); PLUS is never offered in the clear.
  func testWithoutACertificateSTARTTLSFailsAndNoPlusMechanismIsOffered() throws {
    let network = SessionNetwork(users: users)
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    let features = try XCTUnwrap(stanzas(network.take(client)).first)
    XCTAssertNil(features.child("starttls", namespace: StanzaNamespace.tls))
    XCTAssertEqual(
      features.child("mechanisms", namespace: StanzaNamespace.sasl)?.elements.map(\.text), ["SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"])
    network.send(client, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256-PLUS'/>")
    XCTAssertTrue(network.take(client).contains("<invalid-mechanism/>"))
    network.send(client, starttls)
    XCTAssertEqual(network.take(client), "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>")
    XCTAssertTrue(network.clients[client].closed)
    XCTAssertEqual(network.clients[client].handshakes, 0)
  }

  // MARK: Helpers

  func plainAuth(_ user: String, _ password: String) -> String {
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(Base64.encode(Array("\0\(user)\0\(password)".utf8)))</auth>"
  }

  /// A client after STARTTLS and the new stream's features.
  func secured(_ network: SessionNetwork) -> Int {
    let client = network.connect()
    network.send(client, SessionNetwork.header)
    network.send(client, starttls)
    network.send(client, SessionNetwork.header)
    _ = network.take(client)
    return client
  }

  /// A SCRAM exchange as a client computes it (RFC 5802 §3) for alice: "success" or "failure".
  func scram(
    _ network: SessionNetwork, _ client: Int, hash: SCRAMHash, plus: Bool, gs2: String, bindingData: [UInt8]
  ) throws -> String {
    let mechanism = hash.mechanism + (plus ? "-PLUS" : "")
    let clientFirstBare = "n=alice,r=clientnonce"
    network.send(
      client,
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='\(mechanism)'>\(Base64.encode(Array((gs2 + clientFirstBare).utf8)))</auth>")
    let challenge = try XCTUnwrap(stanzas(network.take(client)).first)
    guard challenge.name == "challenge" else { return challenge.name }
    let serverFirst = String(decoding: try XCTUnwrap(Base64.decode(challenge.text)), as: UTF8.self)
    var fields: [String: String] = [:]
    for field in serverFirst.split(separator: ",") { fields[String(field.prefix(1))] = String(field.dropFirst(2)) }
    let salted = hash.pbkdf2(
      password: Array("s3cret".utf8), salt: try XCTUnwrap(Base64.decode(fields["s"] ?? "")),
      iterations: try XCTUnwrap(Int(fields["i"] ?? "")))
    let clientKey = hash.hmac(key: salted, message: Array("Client Key".utf8))
    let withoutProof = "c=" + Base64.encode(Array(gs2.utf8) + bindingData) + ",r=" + (fields["r"] ?? "")
    let authMessage = Array((clientFirstBare + "," + serverFirst + "," + withoutProof).utf8)
    let signature = hash.hmac(key: hash.hash(clientKey), message: authMessage)
    let proof = zip(clientKey, signature).map { $0 ^ $1 }
    network.send(
      client,
      "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\(Base64.encode(Array((withoutProof + ",p=" + Base64.encode(proof)).utf8)))</response>")
    return try XCTUnwrap(stanzas(network.take(client)).first).name
  }
}

extension SessionTLSTests {
  /// slixmpp 1.8.3 knows only tls-unique: it tries both -PLUS mechanisms with it, then both
  /// SCRAMs with "y" (refused: -PLUS was offered), then PLAIN, which works inside TLS. None of
  /// the refusals tried a password: no DENIED, no back-off, the stream stays.
  func testAClientWithOnlyTLSUniqueFallsThroughItsMechanismsToPlainWithoutBackOff() throws {
    let network = SessionNetwork(users: users, configuration: withCertificate)
    let client = secured(network)
    for (mechanism, flag) in [
      ("SCRAM-SHA-256-PLUS", "p=tls-unique"), ("SCRAM-SHA-1-PLUS", "p=tls-unique"), ("SCRAM-SHA-256", "y"), ("SCRAM-SHA-1", "y"),
    ] {
      network.send(
        client,
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='\(mechanism)'>\(Base64.encode(Array("\(flag),,n=alice,r=abc".utf8)))</auth>")
      XCTAssertEqual(try XCTUnwrap(stanzas(network.take(client)).first).name, "failure", mechanism)
    }
    XCTAssertFalse(network.clients[client].closed)
    XCTAssertEqual(network.backend.failures, 0)
    XCTAssertTrue(network.clients[client].logs.allSatisfy { $0.level != .authError })
    network.send(client, plainAuth("alice", "s3cret"))
    XCTAssertEqual(network.take(client), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
  }
}
