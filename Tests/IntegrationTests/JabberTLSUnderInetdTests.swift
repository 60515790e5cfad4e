import Foundation
import TestSupport
import XCTest

/// in.jabberd with a certificate (TLSFixture's household CA, in tls/ beside the store), under
/// openbsd-inetd from the generated jabberd and xmpps lines, against real clients at their
/// default, verifying settings: slixmpp (STARTTLS and direct TLS), sendxmpp -t and -e, openssl
/// s_client -starttls xmpp, and raw sockets for what a client must not get away with.
final class JabberTLSUnderInetdTests: XCTestCase {
  func server(_ users: [String: String] = ["alice": "wonder&land", "bob": "builder"]) throws -> JabberServerUnderInetd {
    let server = try JabberServerUnderInetd(users: users, tls: true)
    addTeardownBlock { server.stop() }
    return server
  }

  /// slixmpp 1.8.3 knows tls-unique only (RFC 9266 forbids it under TLS 1.3): its -PLUS tries
  /// and its "y" fallbacks are refused, and it logs in with PLAIN, inside TLS.
  func testTwoSlixmppClientsLogInOverSTARTTLSVerifyingTheCAAndExchangeMessages() throws {
    let server = try server()
    server.clientEnvironment = ["SLUG_XMPP_TLS=starttls", "SLUG_XMPP_CA=\(server.fixture!.caPath)"]
    let report = try server.client("group", "alice:wonder&land", "bob:builder")
    XCTAssertEqual(report["all_received"] as? Bool, true, "\(report)")
    let clients = try XCTUnwrap(report["clients"] as? [String: [String: Any]], "\(report)")
    XCTAssertEqual(clients["alice"]?["mechanism"] as? String, "PLAIN", "\(report)")
    XCTAssertEqual(
      (clients["bob"]?["messages"] as? [[String]])?.first, ["alice@localhost/test", "hello bob from alice"], "\(report)")
  }

  func testSlixmppLogsInWithDirectTLSOnTheXmppsLine() throws {
    let server = try server()
    server.clientEnvironment = ["SLUG_XMPP_TLS=direct", "SLUG_XMPP_CA=\(server.fixture!.caPath)"]
    let report = try server.client(["attempt", "alice:wonder&land"], port: server.tlsPort)
    XCTAssertEqual(report["result"] as? String, "ok", "\(report)")
  }

  func testAClientThatDoesNotTrustTheCAFails() throws {
    let server = try server()
    server.clientEnvironment = ["SLUG_XMPP_TLS=starttls"]
    let report = try server.client("attempt", "alice:wonder&land")
    XCTAssertNotEqual(report["result"] as? String, "ok", "\(report)")
  }

  /// With a certificate installed, a login in the clear is refused before a password is read.
  func testLoginWithoutTLSIsRefusedOnceACertificateExists() throws {
    let server = try server()
    XCTAssertNotEqual(try server.client("attempt", "alice:wonder&land")["result"] as? String, "ok")
    XCTAssertEqual(try server.plainAttempts(["alice:wonder&land"]).map(\.result), ["refused"])
    let features = try rawClient(server.port, "features")
    XCTAssertTrue(features.contains("<required/></starttls>"), features)
    XCTAssertFalse(features.contains("<mechanism>"), features)
  }

  func testOpenSSLSClientStartTLSXMPPVerifiesTheCertificate() throws {
    let server = try server()
    let result = try ChildProcess.run(
      "/bin/sh",
      ["-c", "sleep 2 | openssl s_client -starttls xmpp -xmpphost localhost -connect 127.0.0.1:\(server.port) -CAfile \(server.fixture!.caPath) -verify_return_error -verify_hostname localhost -brief 2>&1"])
    XCTAssertTrue(result.output.contains("Verification: OK"), result.output)
    XCTAssertTrue(result.output.contains("Protocol version: TLSv1.3"), result.output)
    let untrusted = try ChildProcess.run(
      "/bin/sh",
      ["-c", "sleep 2 | openssl s_client -starttls xmpp -xmpphost localhost -connect 127.0.0.1:\(server.port) -CAfile /etc/ssl/certs/ca-certificates.crt -verify_return_error -brief 2>&1"])
    XCTAssertFalse(untrusted.output.contains("Verification: OK"), untrusted.output)
  }

  /// Direct TLS (XEP-0368) with a verifying client: the first stream offers the -PLUS
  /// mechanisms and the binding types (XEP-0440); no STARTTLS inside TLS.
  func testDirectTLSStreamOffersPlusMechanismsAndChannelBindingTypes() throws {
    let server = try server()
    let features = try rawClient(server.tlsPort, "direct", ca: server.fixture!.caPath)
    XCTAssertTrue(features.contains("<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism>"), features)
    XCTAssertTrue(
      features.contains(
        "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-exporter'/><channel-binding type='tls-server-end-point'/></sasl-channel-binding>"),
      features)
    XCTAssertFalse(features.contains("starttls"), features)
  }

  /// SCRAM-SHA-256-PLUS over STARTTLS with tls-server-end-point computed by the client from the
  /// certificate it verified; the server's signature checks out. SCRAM with "y" where -PLUS was
  /// offered is refused (downgrade).
  func testSCRAMSHA256PlusWithTheServerEndPointBindingLogsInAndAYDowngradeFails() throws {
    let server = try server()
    XCTAssertEqual(try rawClient(server.port, "plus", ca: server.fixture!.caPath), "VERIFIED")
    let downgraded = try rawClient(server.port, "downgrade", ca: server.fixture!.caPath)
    XCTAssertTrue(downgraded.contains("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"), downgraded)
  }

  /// STARTTLS injection: a PLAIN login sent in the same packet as `<starttls/>` is never acted
  /// on; the stream restarted inside TLS knows nothing of it.
  func testALoginPipelinedBehindSTARTTLSIsDiscarded() throws {
    let server = try server()
    let output = try rawClient(server.port, "inject", ca: server.fixture!.caPath)
    XCTAssertTrue(output.hasPrefix("PROCEED"), output)
    XCTAssertFalse(output.contains("<success"), output)
    XCTAssertTrue(output.contains("<mechanism>PLAIN</mechanism>"), "the restarted stream's features: \(output)")
  }

  /// Plaintext after `<proceed/>`, and garbage instead of a handshake on the xmpps port: that
  /// connection ends (the helper logs why), and the server goes on serving.
  func testPlaintextAfterProceedAndGarbageInsteadOfAHandshakeEndOnlyThatConnection() throws {
    let server = try server()
    XCTAssertEqual(try rawClient(server.port, "plaintext-after-proceed"), "CLOSED")
    XCTAssertEqual(try rawClient(server.tlsPort, "garbage"), "CLOSED")
    let verifying = server
    verifying.clientEnvironment = ["SLUG_XMPP_TLS=direct", "SLUG_XMPP_CA=\(server.fixture!.caPath)"]
    XCTAssertEqual(try verifying.client(["attempt", "bob:builder"], port: server.tlsPort)["result"] as? String, "ok")
  }

  /// A client that connects to the xmpps port and sends nothing is dropped when the handshake
  /// time (20 s) is up.
  func testAClientStallingInTheHandshakeIsDroppedAfterTheHandshakeTime() throws {
    let server = try server()
    let started = Date()
    XCTAssertEqual(try rawClient(server.tlsPort, "stall"), "CLOSED")
    XCTAssertLessThan(Date().timeIntervalSince(started), 30)
  }

  func testSendxmppDeliversOverSTARTTLSAndDirectTLSVerifyingTheCA() throws {
    let server = try server()
    server.clientEnvironment = ["SLUG_XMPP_TLS=starttls", "SLUG_XMPP_CA=\(server.fixture!.caPath)"]
    // The listener returns at the first message: one each.
    for (message, options, port) in [
      ("over starttls", ["-t", "-a", server.fixture!.caPath], server.port),
      ("over direct tls", ["-e", "-a", server.fixture!.caPath], server.tlsPort),
    ] {
      let received = try server.withListener("bob:builder") {
        try server.sendxmpp(
          user: "alice", password: "wonder&land", to: "bob@localhost", message: message, options: options, port: port)
      }
      let bodies = (received["messages"] as? [[String: Any]])?.compactMap { $0["body"] as? String }
      XCTAssertEqual(bodies, [message], "\(received)")
    }
    let clear = try server.sendxmpp(
      user: "alice", password: "wonder&land", to: "bob@localhost", message: "x", expectFailure: true)
    XCTAssertNotEqual(clear.status, 0, "without -t: \(clear.output)")
  }

  // MARK: Raw clients

  /// A Python client for what no library client does; prints what the scenario saw.
  func rawClient(_ port: UInt16, _ scenario: String, ca: String = "") throws -> String {
    let script = """
      import socket, ssl, sys
      port, scenario, ca = int(sys.argv[1]), sys.argv[2], sys.argv[3]
      header = b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
      def until(s, marker):
          data = b''
          while marker not in data:
              chunk = s.recv(4096)
              if not chunk: break
              data += chunk
          return data.decode(errors='replace')
      def closed(s, seconds=10):
          s.settimeout(seconds)
          try:
              while s.recv(4096): pass
              return 'CLOSED'
          except socket.timeout:
              return 'STILL OPEN'
          except OSError:
              return 'CLOSED'
      s = socket.create_connection(('127.0.0.1', port), timeout=10)
      context = ssl.create_default_context(cafile=ca) if ca else None
      if scenario == 'features':
          s.sendall(header)
          print(until(s, b'</stream:features>'))
      elif scenario == 'direct':
          t = context.wrap_socket(s, server_hostname='localhost')
          t.sendall(header)
          print(until(t, b'</stream:features>'))
      elif scenario == 'inject':
          s.sendall(header)
          until(s, b'</stream:features>')
          s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdvbmRlciZsYW5k</auth>")
          proceed = until(s, b'<proceed')
          t = context.wrap_socket(s, server_hostname='localhost')
          t.sendall(header)
          print(('PROCEED' if '<proceed' in proceed else proceed) + until(t, b'</stream:features>'))
      elif scenario == 'plaintext-after-proceed':
          s.sendall(header)
          until(s, b'</stream:features>')
          s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
          until(s, b'<proceed')
          s.sendall(header)
          print(closed(s))
      elif scenario in ('plus', 'downgrade'):
          import base64, hashlib, hmac
          s.sendall(header)
          until(s, b'</stream:features>')
          s.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
          until(s, b'<proceed')
          t = context.wrap_socket(s, server_hostname='localhost')
          t.sendall(header)
          until(t, b'</stream:features>')
          # RFC 5929: the hash of the server's certificate (ECDSA with SHA-256: SHA-256).
          binding = hashlib.sha256(t.getpeercert(binary_form=True)).digest()
          gs2, mechanism = (b'p=tls-server-end-point,,', b'SCRAM-SHA-256-PLUS') if scenario == 'plus' else (b'y,,', b'SCRAM-SHA-256')
          first = b'n=alice,r=rawclientnonce'
          t.sendall(b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + mechanism + b"'>" + base64.b64encode(gs2 + first) + b"</auth>")
          answer = until(t, b'</')
          if '<challenge' not in answer:
              print(answer); sys.exit()
          server_first = base64.b64decode(answer.split('>')[1].split('<')[0])
          fields = dict(f.split(b'=', 1) for f in server_first.split(b','))
          salted = hashlib.pbkdf2_hmac('sha256', b'wonder&land', base64.b64decode(fields[b's']), int(fields[b'i']))
          client_key = hmac.new(salted, b'Client Key', 'sha256').digest()
          without_proof = b'c=' + base64.b64encode(gs2 + (binding if scenario == 'plus' else b'')) + b',r=' + fields[b'r']
          message = first + b',' + server_first + b',' + without_proof
          signature = hmac.new(hashlib.sha256(client_key).digest(), message, 'sha256').digest()
          proof = bytes(a ^ b for a, b in zip(client_key, signature))
          t.sendall(b"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64.b64encode(without_proof + b',p=' + base64.b64encode(proof)) + b"</response>")
          answer = until(t, b'</success>')
          expected = hmac.new(hmac.new(salted, b'Server Key', 'sha256').digest(), message, 'sha256').digest()
          verified = '<success' in answer and base64.b64decode(answer.split('>')[1].split('<')[0]) == b'v=' + base64.b64encode(expected)
          print('VERIFIED' if verified else answer)
      elif scenario == 'stall':
          print(closed(s, 40))
      elif scenario == 'garbage':
          s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n' + bytes(range(256)) * 4)
          print(closed(s))
      """
    let result = try ChildProcess.run("/usr/bin/python3", ["-c", script, String(port), scenario, ca])
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// `in.jabberd -n` says what TLS does and has slug-tls check the certificate.
final class JabberTLSCheckTests: XCTestCase {
  func testCheckModePrintsTheTLSConfigurationAndRefusesACertificateThatIsNotOne() throws {
    let directory = try TemporaryDirectory()
    let users = directory.path + "/in.jabberd.conf"
    try "alice : s3cret\n".write(toFile: users, atomically: true, encoding: .utf8)
    let daemon = try BuildProducts.binDirectory() + "/in.jabberd"
    let tls = directory.path + "/tls"

    let none = try ChildProcess.run(daemon, ["-n", "-c", users, "--tls-dir", tls])
    XCTAssertEqual(none.status, 0, none.output)
    XCTAssertTrue(none.output.contains("tls none (no server.pem and server.key)"), none.output)
    let direct = try ChildProcess.run(daemon, ["-n", "-c", users, "--tls-dir", tls, "--tls"])
    XCTAssertEqual(direct.status, 78, direct.output)
    XCTAssertTrue(direct.output.contains("slugctl tls init"), direct.output)

    let fixture = try TLSFixture(in: tls)
    let good = try ChildProcess.run(daemon, ["-n", "-c", users, "--tls-dir", tls])
    XCTAssertEqual(good.status, 0, good.output)
    XCTAssertTrue(good.output.contains("tls-dir \(tls)\n"), good.output)
    XCTAssertTrue(good.output.contains("tls starttls required before login"), good.output)

    try "not a certificate\n".write(toFile: fixture.chainPath, atomically: true, encoding: .utf8)
    let broken = try ChildProcess.run(daemon, ["-n", "-c", users, "--tls-dir", tls])
    XCTAssertEqual(broken.status, 78, broken.output)
    XCTAssertTrue(broken.output.contains("server.pem: not a PEM certificate chain"), broken.output)
    XCTAssertTrue(broken.output.contains("not usable"), broken.output)
  }
}
