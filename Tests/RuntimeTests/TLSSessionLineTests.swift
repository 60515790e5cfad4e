import Runtime
import XCTest

/// The line slug-tls writes to the daemon first, and what the daemon reads of it.
final class TLSSessionLineTests: XCTestCase {
  func testTheLineRoundTrips() {
    let session = TLSSession(
      version: "TLSv1.3", cipher: "TLS13-AES128-GCM-SHA256", resumed: true, serverName: "slug.lan",
      exporter: Array(0..<32), endPoint: Array(repeating: 0xAB, count: 32))
    XCTAssertTrue(session.line.hasSuffix("\n"))
    XCTAssertEqual(
      session.line,
      "TLS version=TLSv1.3 cipher=TLS13-AES128-GCM-SHA256 resumed=1 sni=slug.lan exporter="
        + "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f end-point=" + String(repeating: "ab", count: 32)
        + "\n")
    XCTAssertEqual(TLSSession(line: String(session.line.dropLast())), session)
  }

  func testTLS12HasNoExporterAndNoName() throws {
    let session = try XCTUnwrap(
      TLSSession(line: "TLS version=TLSv1.2 cipher=ECDHE-ECDSA-AES128-GCM-SHA256 resumed=0 sni= exporter= end-point=0a0b"))
    XCTAssertEqual(session.exporter, [])
    XCTAssertEqual(session.serverName, "")
    XCTAssertEqual(session.endPoint, [0x0A, 0x0B])
    XCTAssertFalse(session.resumed)
  }

  func testAnythingElseIsNotASession() {
    XCTAssertNil(TLSSession(line: ""))
    XCTAssertNil(TLSSession(line: "none"))
    XCTAssertNil(TLSSession(line: "TLS cipher=X"))
    XCTAssertNil(TLSSession(line: "TLS version=TLSv1.3 cipher=X exporter=zz"))
    XCTAssertNil(TLSSession(line: "TLS version=TLSv1.3 cipher=X junk"))
  }

  func testTheTLSDirectoryIsBesideTheStore() {
    XCTAssertEqual(TLSHandoff.defaultDirectory(forStore: "/var/lib/slug/slug.db"), "/var/lib/slug/tls")
    XCTAssertEqual(TLSHandoff.defaultDirectory(forStore: "/slug.db"), "/tls")
    XCTAssertEqual(TLSHandoff.defaultDirectory(forStore: "slug.db"), "tls")
  }
}
