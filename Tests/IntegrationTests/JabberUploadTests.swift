import Crypto
import Foundation
import TestSupport
import XCTest

/// XEP-0363 end to end: in.jabberd (the jabberd line) grants slots, in.www (the https line)
/// takes the PUT and serves the file, both as `slugctl inetd generate` writes them on one
/// store, under openbsd-inetd, each as its own user, with what `slugctl init` and `slugctl tls
/// init` made (the upload secret, the upload directory, the certificate). slixmpp uploads
/// (xep_0363, aiohttp verifying the CA), curl fetches.
final class JabberUploadTests: XCTestCase {
  var directory: TemporaryDirectory!
  var prefix = ""
  var database = ""
  var xmppPort: UInt16 = 0
  var httpsPort: UInt16 = 0
  var superserver: ChildProcess?
  var ca: String { directory.path + "/tls/ca.pem" }
  var uploads: String { directory.path + "/upload" }

  override func setUpWithError() throws {
    try PrivateInetd.require(["/usr/bin/python3": "python3", "/usr/bin/curl": "curl"])
    guard try ChildProcess.run("/usr/bin/python3", ["-c", "import slixmpp, aiohttp"]).status == 0 else {
      throw SetupFailure("slixmpp or aiohttp is missing for /usr/bin/python3: apt-get install python3-slixmpp python3-aiohttp")
    }
    directory = try TemporaryDirectory()
    prefix = directory.path + "/prefix"
    database = directory.path + "/slug.db"
    xmppPort = try FreePort.tcp()
    httpsPort = try FreePort.tcp()
    try PrivateInetd.install(prefix: prefix)
    try slugctl("init")
    try slugctl("tls", "init")
    for (name, password) in [("alice", "secret-a"), ("bob", "secret-b")] {
      try slugctl("jabber", "adduser", name, "--password", password)
    }
    try slugctl("jabber", "upload", "--url", "https://localhost:\(httpsPort)", "--max-size", "1000000")
    let lines =
      try PrivateInetd.generatedLines(
        prefix: prefix, service: "jabberd", port: xmppPort, database: database, arguments: ["--domain", "localhost"])
      + PrivateInetd.generatedLines(prefix: prefix, service: "https", port: httpsPort, database: database, arguments: [directory.path + "/root"])
    try FileManager.default.createDirectory(atPath: directory.path + "/root", withIntermediateDirectories: true)
    let port = xmppPort
    superserver = try PrivateInetd.start(lines, in: directory.path, output: directory.path + "/inetd.trace") {
      LoopbackSocket.acceptsTCP(port: port)
    }
  }

  override func tearDown() {
    superserver?.stop()
    SlotSets.removeAll(port: xmppPort)
    SlotSets.removeAll(port: httpsPort)
  }

  func slugctl(_ arguments: String...) throws {
    let result = try ChildProcess.run(prefix + "/sbin/slugctl", arguments + ["--db", database])
    guard result.status == 0 else { throw SetupFailure("slugctl \(arguments) failed: \(result.output)") }
  }

  /// jabber_client.py over STARTTLS (in.jabberd requires it once a certificate exists),
  /// trusting the household CA for XMPP and, through SSL_CERT_FILE, for aiohttp's PUT.
  func client(_ arguments: String...) throws -> [String: Any] {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/jabber_client.py"
    let result = try ChildProcess.run(
      "/usr/bin/env",
      ["SLUG_XMPP_TLS=starttls", "SLUG_XMPP_CA=\(ca)", "SSL_CERT_FILE=\(ca)", "/usr/bin/python3", script, "\(xmppPort)", "localhost"]
        + arguments)
    guard let line = result.output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
    else { throw SetupFailure("jabber_client.py \(arguments) printed no report: \(result.output)") }
    return object
  }

  /// curl trusting the CA; what it printed (with `-w`, the status too).
  func curl(_ arguments: String...) throws -> String {
    try ChildProcess.run("/usr/bin/curl", ["-sS", "--max-time", "20", "--cacert", ca] + arguments).output
  }

  /// Sends `bytes` as a PUT to `url`; the HTTP status.
  func put(_ url: String, _ bytes: Data, extra: [String] = []) throws -> String {
    let file = directory.path + "/put-\(UUID().uuidString)"
    try bytes.write(to: URL(fileURLWithPath: file))
    return try ChildProcess.run(
      "/usr/bin/curl", ["-sS", "--max-time", "20", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}", "-T", file] + extra + [url]
    ).output
  }

  func random(_ count: Int, seed: UInt64) -> Data {
    var generator = SplitMix64(seed: seed)
    return Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
  }

  func testSlixmppUploadsThroughTheServiceAndCurlFetchesTheSameBytes() throws {
    let bytes = random(300_000, seed: 11)
    let file = directory.path + "/holiday photo.png"
    try bytes.write(to: URL(fileURLWithPath: file))
    let report = try client("upload", "alice:secret-a", file, "image/png")
    let url = try XCTUnwrap(report["url"] as? String, "\(report)")
    XCTAssertEqual(report["service"] as? String, "upload.localhost")
    XCTAssertEqual(report["max"] as? Int, 1_000_000)
    XCTAssertTrue(url.hasPrefix("https://localhost:\(httpsPort)/upload/"), url)
    XCTAssertTrue(url.hasSuffix("/holiday%20photo.png"), url)

    let download = directory.path + "/download"
    XCTAssertEqual(try curl("-o", download, "-w", "%{http_code}", url), "200")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: download)), bytes, "byte for byte")
    let head = try curl("-I", url).lowercased()
    XCTAssertTrue(head.contains("content-type: image/png\r\n"), head)
    XCTAssertTrue(head.contains("x-content-type-options: nosniff\r\n"), head)
    XCTAssertTrue(head.contains("content-disposition: inline; filename*=utf-8''holiday%20photo.png\r\n"), head)
    XCTAssertTrue(head.contains("content-length: 300000\r\n"), head)
    XCTAssertEqual(try curl("-o", "/dev/null", "-w", "%{http_code}", "-r", "10-19", url), "206", "ranges as for any file")

    // The slot is in the store, and its file is in.www's, named by expiry and id alone.
    let listed = try ChildProcess.run(prefix + "/sbin/slugctl", ["jabber", "upload", "list", "--json", "--db", database]).output
    XCTAssertTrue(listed.contains("\"file_name\":\"holiday photo.png\""), listed)
    XCTAssertTrue(listed.contains("\"size\":300000"), listed)
    let stored = try FileManager.default.contentsOfDirectory(atPath: uploads)
    XCTAssertEqual(stored.count, 1, "\(stored)")
    XCTAssertFalse(stored[0].contains("holiday"), stored[0])

    // Exactly once: a second PUT to the slot is refused, and the first file stays.
    XCTAssertEqual(try put(url, random(300_000, seed: 12)), "409")
    XCTAssertEqual(try curl("-o", download, "-w", "%{http_code}", url), "200")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: download)), bytes)

    // slugctl rm: the file goes, the URL answers 404.
    let id = String(stored[0].split(separator: "-")[1])
    try slugctl("jabber", "upload", "rm", id)
    XCTAssertEqual(try curl("-o", "/dev/null", "-w", "%{http_code}", url), "404")
  }

  func testTheServiceRefusesTooLargeFilesPathsAndPutsOfAnotherSize() throws {
    let tooLarge = try client("slot", "alice:secret-a", "film.mkv", "1000001", "video/x-matroska")
    XCTAssertEqual(tooLarge["condition"] as? String, "not-acceptable", "\(tooLarge)")
    XCTAssertEqual(tooLarge["max"] as? String, "1000000", "\(tooLarge)")
    let path = try client("slot", "alice:secret-a", "../../etc/passwd", "10")
    XCTAssertEqual(path["condition"] as? String, "not-acceptable", "\(path)")

    let granted = try client("slot", "bob:secret-b", "notes.txt", "10", "text/plain")
    let url = try XCTUnwrap(granted["put"] as? String, "\(granted)")
    XCTAssertEqual(try put(url, random(11, seed: 1)), "413", "more bytes than the slot's")
    XCTAssertEqual(try put(url, random(9, seed: 1)), "400", "fewer bytes than the slot's")
    XCTAssertEqual(
      try put(url, random(10, seed: 1), extra: ["-H", "Transfer-Encoding: chunked"]), "411", "a length is required")
    XCTAssertEqual(try put(url, random(10, seed: 2)), "201")
    let head = try curl("-I", url).lowercased()
    XCTAssertTrue(head.contains("content-type: text/plain\r\n"), head)
    XCTAssertTrue(head.contains("content-disposition: attachment; filename*=utf-8''notes.txt\r\n"), head)
    XCTAssertTrue(head.contains("content-security-policy: default-src 'none'; sandbox\r\n"), head)
  }

  func testForgedAlteredAndExpiredSlotsAreRefused() throws {
    let granted = try client("slot", "alice:secret-a", "a.bin", "10")
    let url = try XCTUnwrap(granted["put"] as? String, "\(granted)")
    let parts = url.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    let fields = parts[4].split(separator: ".").map(String.init)
    // A bigger size, a later expiry, another type, a changed MAC: none is signed.
    for altered in [
      [fields[0], fields[1], "1000", fields[3], fields[4]], [fields[0], "4102444800", fields[2], fields[3], fields[4]],
      [fields[0], fields[1], fields[2], "746578742f68746d6c", fields[4]],
      [fields[0], fields[1], fields[2], fields[3], String(fields[4].dropLast()) + (fields[4].hasSuffix("0") ? "1" : "0")],
    ] {
      let forged = (parts[..<4] + [altered.joined(separator: "."), parts[5]]).joined(separator: "/")
      XCTAssertEqual(try put(forged, random(10, seed: 3)), "403", forged)
    }
    let renamed = (parts[..<5] + ["b.bin"]).joined(separator: "/")
    XCTAssertEqual(try put(renamed, random(10, seed: 3)), "403", "the name is signed too")
    XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: uploads).contains { $0.hasSuffix(fields[0]) })

    // Signed with the real secret but expired: refused, and a file left from it is removed
    // by the GET that finds it expired.
    let key = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.path + "/upload.key")))
    let expired = UploadToken(
      id: "0123456789abcdef0123456789abcdef", expiry: Int64(Date().timeIntervalSince1970) - 1, size: 4,
      contentType: "text/plain", fileName: "old.txt")
    let expiredURL = "https://localhost:\(httpsPort)" + expired.path(key: key)
    XCTAssertEqual(try put(expiredURL, Data("late".utf8)), "404")
    let left = uploads + "/" + expired.storedName
    try Data("kept".utf8).write(to: URL(fileURLWithPath: left))
    XCTAssertEqual(try curl("-o", "/dev/null", "-w", "%{http_code}", expiredURL), "404")
    XCTAssertFalse(FileManager.default.fileExists(atPath: left), "the expired file is gone")
    // Still valid, the same slot works.
    XCTAssertEqual(try put(url, random(10, seed: 4)), "201")
  }
}
