import Foundation
import Crypto
import XCTest
import XMPP

final class SASLTests: XCTestCase {
  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
  private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

  private func failure(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return (error as? SASLFailure)?.condition ?? "\(error)"
    }
  }

  func testPlainGivesTheThreeFields() throws {
    let parsed = try SASLPlain.parse(bytes("\0alice\0s3cret"))
    XCTAssertEqual(parsed.authorizationID, "")
    XCTAssertEqual(parsed.user, "alice")
    XCTAssertEqual(parsed.password, "s3cret")
    let withAuthorization = try SASLPlain.parse(bytes("alice@slug.home\0alice\0pässword"))
    XCTAssertEqual(withAuthorization.authorizationID, "alice@slug.home")
    XCTAssertEqual(withAuthorization.password, "pässword")
  }

  func testPlainRefusesMalformedMessages() {
    for bad: [UInt8] in [bytes("alice\0pw"), bytes("\0\0pw"), bytes("\0alice\0"), bytes("\0a\0b\0c"), [0, 0xFF, 0, 0x41], []] {
      XCTAssertEqual(failure { _ = try SASLPlain.parse(bad) }, "malformed-request", "\(bad)")
    }
  }

  /// RFC 5802 §5: the example exchange for user "user", password "pencil".
  func testSCRAMSHA1ReproducesTheRFC5802Example() throws {
    var server = SCRAMServer(hash: .sha1, serverNonce: "3rfcNHYJY1ZVvWVs7j", salt: Base64.decode("QSXCR+Q6sek8bf92")!)
    XCTAssertEqual(SCRAMHash.sha1.mechanism, "SCRAM-SHA-1")
    XCTAssertEqual(try server.receiveClientFirst(bytes("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")), "user")
    XCTAssertEqual(
      text(server.serverFirst(password: "pencil")), "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
    let final = try server.receiveClientFinal(
      bytes("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="))
    XCTAssertEqual(text(final), "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
  }

  /// RFC 7677 §3: the same exchange with SHA-256.
  func testSCRAMSHA256ReproducesTheRFC7677Example() throws {
    var server = SCRAMServer(
      hash: .sha256, serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", salt: Base64.decode("W22ZaJ0SNY7soEsUEjb6gQ==")!)
    XCTAssertEqual(SCRAMHash.sha256.mechanism, "SCRAM-SHA-256")
    XCTAssertEqual(try server.receiveClientFirst(bytes("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")), "user")
    XCTAssertEqual(
      text(server.serverFirst(password: "pencil")),
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
    let final = try server.receiveClientFinal(
      bytes("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
    XCTAssertEqual(text(final), "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
  }

  func testSCRAMWithTheWrongPasswordIsNotAuthorized() throws {
    var server = SCRAMServer(hash: .sha1, serverNonce: "3rfcNHYJY1ZVvWVs7j", salt: Base64.decode("QSXCR+Q6sek8bf92")!)
    _ = try server.receiveClientFirst(bytes("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"))
    _ = server.serverFirst(password: "pencil2")
    XCTAssertEqual(
      failure { _ = try server.receiveClientFinal(bytes("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")) },
      "not-authorized")
  }

  func testSCRAMRefusesTamperedFinalMessages() throws {
    let finals = [
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawLXXX,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",  // another nonce
      "c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",  // binding "y,,"
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",  // no proof
      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=!!!!",  // proof not base64
    ]
    for final in finals {
      var server = SCRAMServer(hash: .sha1, serverNonce: "3rfcNHYJY1ZVvWVs7j", salt: Base64.decode("QSXCR+Q6sek8bf92")!)
      _ = try server.receiveClientFirst(bytes("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"))
      _ = server.serverFirst(password: "pencil")
      XCTAssertEqual(failure { _ = try server.receiveClientFinal(bytes(final)) }, "malformed-request", final)
    }
    var early = SCRAMServer(hash: .sha1, serverNonce: "n", salt: [1])
    XCTAssertEqual(failure { _ = try early.receiveClientFinal(bytes("c=biws,r=x,p=AAAA")) }, "malformed-request")
  }

  func testSCRAMClientFirstMessages() throws {
    var server = SCRAMServer(hash: .sha256, serverNonce: "abc", salt: [1, 2, 3])
    XCTAssertEqual(try server.receiveClientFirst(bytes("y,a=bob,n=a=2Cb=3Dc,r=xyz,e=ignored")), "a,b=c")
    XCTAssertEqual(server.authorizationID, "bob")
    let bad = [
      "p=tls-unique,,n=user,r=abc", "n,,n=user", "n,,r=abc,n=user", "n,,n=,r=abc", "n,,n=us=41r,r=abc", "n,,n=user=,r=abc",
      "m=ext,,n=user,r=abc", "n,,m=ext,n=user,r=abc", "n,x,n=user,r=abc", "n,,n=user,r=", "n,,n=user,r=a b", "",
    ]
    for message in bad {
      var server = SCRAMServer(hash: .sha1, serverNonce: "abc", salt: [1])
      XCTAssertEqual(failure { _ = try server.receiveClientFirst(bytes(message)) }, "malformed-request", message)
    }
  }

  /// A client built from the RFC 5802 §3 formulas, as slixmpp computes them (an interop run
  /// against slixmpp 1.8.3's SCRAM client gave the same results).
  private func clientExchange(_ hash: SCRAMHash, user: String, password: String, serverPassword: String, gs2: String) throws -> Bool {
    func mac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
      hash == .sha1 ? HMAC.sha1(key: key, message: message) : HMAC.sha256(key: key, message: message)
    }
    func digest(_ bytes: [UInt8]) -> [UInt8] { hash == .sha1 ? SHA1.hash(bytes) : SHA256.hash(bytes) }
    let escaped = user.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    let bare = "n=" + escaped + ",r=c1i3nt"
    var server = SCRAMServer(hash: hash, serverNonce: "s3rv3r", salt: Array("saltsalt".utf8), iterations: 64)
    XCTAssertEqual(try server.receiveClientFirst(bytes(gs2 + bare)), user)
    let serverFirst = text(server.serverFirst(password: serverPassword))
    XCTAssertEqual(serverFirst, "r=c1i3nts3rv3r,s=c2FsdHNhbHQ=,i=64")
    let salted = hash == .sha1
      ? PBKDF2.sha1(password: bytes(password), salt: bytes("saltsalt"), iterations: 64)
      : PBKDF2.sha256(password: bytes(password), salt: bytes("saltsalt"), iterations: 64)
    let withoutProof = "c=" + Base64.encode(bytes(gs2)) + ",r=c1i3nts3rv3r"
    let authMessage = bytes(bare + "," + serverFirst + "," + withoutProof)
    let clientKey = mac(salted, bytes("Client Key"))
    let signature = mac(digest(clientKey), authMessage)
    let proof = zip(clientKey, signature).map { $0 ^ $1 }
    do {
      let final = try server.receiveClientFinal(bytes(withoutProof + ",p=" + Base64.encode(proof)))
      XCTAssertEqual(text(final), "v=" + Base64.encode(mac(mac(salted, bytes("Server Key")), authMessage)))
      return true
    } catch {
      XCTAssertEqual(error.condition, "not-authorized")
      return false
    }
  }

  func testSCRAMAcceptsTheRightPasswordAndRefusesAWrongOneWithBothHashes() throws {
    for hash in [SCRAMHash.sha1, .sha256] {
      XCTAssertTrue(try clientExchange(hash, user: "alice", password: "pencil", serverPassword: "pencil", gs2: "n,,"))
      XCTAssertTrue(try clientExchange(hash, user: "we,ird=name", password: "pä ss", serverPassword: "pä ss", gs2: "y,a=x@y,"))
      XCTAssertFalse(try clientExchange(hash, user: "alice", password: "pencil", serverPassword: "Pencil", gs2: "n,,"))
    }
  }

  func testLegacyDigestMatchesXEP0078AndTheOriginal() {
    XCTAssertEqual(LegacyAuthDigest.digest(streamID: "3EE948B0", password: "Calli0pe"), "48fc78be9ec8f86d8ce1c39c320c97c21d62334d")
    XCTAssertEqual(LegacyAuthDigest.digest(streamID: "f9cf80", password: "secret1"), "a9071b34102b62cca17400e6f030bfb37a7eccbc")
  }
}
