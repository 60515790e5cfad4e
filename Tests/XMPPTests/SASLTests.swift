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

  func testLegacyDigestMatchesXEP0078AndTheOriginal() {
    XCTAssertEqual(LegacyAuthDigest.digest(streamID: "3EE948B0", password: "Calli0pe"), "48fc78be9ec8f86d8ce1c39c320c97c21d62334d")
    XCTAssertEqual(LegacyAuthDigest.digest(streamID: "f9cf80", password: "secret1"), "a9071b34102b62cca17400e6f030bfb37a7eccbc")
  }
}
