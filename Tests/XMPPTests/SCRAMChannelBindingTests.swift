import Crypto
import XCTest
import XMPP

/// SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS (RFC 5802 §6, RFC 9266, RFC 5929). The expected
/// messages were computed with Python's hashlib and hmac, not with slug's code: the RFC 5802
/// example's user, password, nonces and salt, with tls-exporter data 00..1f and
/// tls-server-end-point data 64..83.
final class SCRAMChannelBindingTests: XCTestCase {
  let exporter: [UInt8] = Array(0..<32)
  let endPoint: [UInt8] = Array(100..<132)
  let clientNonce = "fyko+d2lbbFgONRv9qkxdawL"
  let serverNonce = "3rfcNHYJY1ZVvWVs7j"
  let salt = Base64.decode("QSXCR+Q6sek8bf92")!

  private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

  private func server(_ hash: SCRAMHash, plus: Bool, offered: Bool = true) -> SCRAMServer {
    let binding = SCRAMChannelBinding(
      required: plus, offered: offered, types: offered ? ["tls-exporter", "tls-server-end-point"] : [],
      values: offered ? [exporter, endPoint] : [])
    return SCRAMServer(hash: hash, serverNonce: serverNonce, salt: salt, channelBinding: binding)
  }

  private func condition(_ body: () throws -> Void) -> String? {
    do {
      try body()
      return nil
    } catch {
      return (error as? SASLFailure)?.condition ?? "\(error)"
    }
  }

  func testSCRAMSHA256PlusWithTLSExporterMatchesAnIndependentComputation() throws {
    var scram = server(.sha256, plus: true)
    XCTAssertEqual(try scram.receiveClientFirst(bytes("p=tls-exporter,,n=user,r=\(clientNonce)")), "user")
    _ = scram.serverFirst(password: "pencil")
    let final = try scram.receiveClientFinal(
      bytes(
        "c=cD10bHMtZXhwb3J0ZXIsLAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f,r=\(clientNonce)\(serverNonce),p=D2/elnCpWN5vzfsupEyIK53QUqQZA7VoJLvCOkoiEBw="
      ))
    XCTAssertEqual(String(decoding: final, as: UTF8.self), "v=/x9512I1emNk+1VDcdC2VMj4vnhDWtaJHavjWnKxnkM=")
  }

  func testSCRAMSHA1PlusWithTLSServerEndPointMatchesAnIndependentComputation() throws {
    var scram = server(.sha1, plus: true)
    XCTAssertEqual(try scram.receiveClientFirst(bytes("p=tls-server-end-point,,n=user,r=\(clientNonce)")), "user")
    _ = scram.serverFirst(password: "pencil")
    let final = try scram.receiveClientFinal(
      bytes(
        "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=,r=\(clientNonce)\(serverNonce),p=sqvV56cD378FC8UkpEdViLpJo3U="
      ))
    XCTAssertEqual(String(decoding: final, as: UTF8.self), "v=v/VCM7BRf47e6pKqRrQLXZgaHi4=")
  }

  /// A man in the middle terminates the client's TLS and opens its own to the server: the
  /// client binds to the first connection's data, the server has the second's.
  func testBindingDataOfAnotherConnectionFailsEvenWithTheRightPassword() throws {
    var scram = server(.sha256, plus: true)
    _ = try scram.receiveClientFirst(bytes("p=tls-exporter,,n=user,r=\(clientNonce)"))
    _ = scram.serverFirst(password: "pencil")
    let otherConnection = Base64.encode(bytes("p=tls-exporter,,") + Array(repeating: 7, count: 32))
    XCTAssertEqual(
      condition {
        _ = try scram.receiveClientFinal(bytes("c=\(otherConnection),r=\(clientNonce)\(serverNonce),p=AAAA"))
      }, "not-authorized")
  }

  /// RFC 5802 §6: "y" says the client could bind but saw no -PLUS; where one was offered,
  /// someone took it out of the features on the way.
  func testYFlagAfterPlusWasOfferedIsADowngradeAndFails() {
    var scram = server(.sha256, plus: false)
    XCTAssertEqual(condition { _ = try scram.receiveClientFirst(bytes("y,,n=user,r=\(clientNonce)")) }, "not-authorized")
    var unbound = server(.sha256, plus: false, offered: false)
    XCTAssertNil(condition { _ = try unbound.receiveClientFirst(bytes("y,,n=user,r=\(clientNonce)")) })
  }

  func testNFlagIsFineWithoutPlusAndRefusedWithIt() {
    var plain = server(.sha256, plus: false)
    XCTAssertNil(condition { _ = try plain.receiveClientFirst(bytes("n,,n=user,r=\(clientNonce)")) })
    var plus = server(.sha256, plus: true)
    XCTAssertEqual(condition { _ = try plus.receiveClientFirst(bytes("n,,n=user,r=\(clientNonce)")) }, "malformed-request")
  }

  func testPFlagNeedsAPlusMechanismAndATypeThisConnectionHas() {
    var notPlus = server(.sha256, plus: false)
    XCTAssertEqual(
      condition { _ = try notPlus.receiveClientFirst(bytes("p=tls-exporter,,n=user,r=\(clientNonce)")) }, "malformed-request")
    var unknownType = server(.sha256, plus: true)
    XCTAssertEqual(
      condition { _ = try unknownType.receiveClientFirst(bytes("p=tls-unique,,n=user,r=\(clientNonce)")) }, "malformed-request")
    let tls12 = SCRAMChannelBinding(required: true, offered: true, types: ["tls-server-end-point"], values: [endPoint])
    var noExporter = SCRAMServer(hash: .sha256, serverNonce: serverNonce, salt: salt, channelBinding: tls12)
    XCTAssertEqual(
      condition { _ = try noExporter.receiveClientFirst(bytes("p=tls-exporter,,n=user,r=\(clientNonce)")) }, "malformed-request")
  }
}
