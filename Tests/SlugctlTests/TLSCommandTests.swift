import Foundation
import TestSupport
import XCTest

/// slugctl tls: what it makes is checked with the openssl command, not with slug's own reader.
final class TLSCommandTests: StoreCommandTestCase {
  var tls: String { directory.path + "/tls" }

  private func openssl(_ arguments: String...) throws -> (status: Int32, output: String) {
    try ChildProcess.run("/usr/bin/openssl", arguments)
  }

  private func mode(_ path: String) throws -> Int {
    try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
  }

  func testInitMakesAChainOpensslVerifiesWithTheNamesAskedFor() throws {
    let output = succeed("tls", "init", "--name", "slug.lan", "--address", "192.0.2.7", "--address", "2001:db8::7")
    XCTAssertTrue(output.contains("made a new CA"), output)
    let verified = try openssl("verify", "-CAfile", tls + "/ca.pem", tls + "/server.pem")
    XCTAssertEqual(verified.status, 0, verified.output)
    let text = try openssl("x509", "-in", tls + "/server.pem", "-noout", "-text").output
    for name in ["DNS:localhost", "DNS:slug.lan", "IP Address:127.0.0.1", "IP Address:192.0.2.7", "IP Address:2001:DB8:0:0:0:0:0:7"] {
      XCTAssertTrue(text.contains(name), "\(name) missing from\n\(text)")
    }
    XCTAssertFalse(text.contains("IP Address:FE80"), "link-local addresses are left out")
    XCTAssertTrue(text.contains("TLS Web Server Authentication"), text)
    XCTAssertTrue(text.contains("ecdsa-with-SHA256"), text)
    let ca = try openssl("x509", "-in", tls + "/ca.pem", "-noout", "-text").output
    XCTAssertTrue(ca.contains("CA:TRUE") && ca.contains("Certificate Sign, CRL Sign"), ca)
    XCTAssertTrue(ca.contains("CN = slug CA on "), ca)
    // 397 days from the first to the last second: what phones accept.
    let dates = try openssl("x509", "-in", tls + "/server.pem", "-noout", "-startdate", "-enddate").output
    XCTAssertTrue(try validityDays(dates) <= 398, dates)
  }

  func testTheChainValidatesForAClientThatTrustsTheCAAndNotForAnother() throws {
    succeed("tls", "init")
    let port = try FreePort.tcp()
    let server = try ChildProcess(
      "/usr/bin/openssl",
      ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", tls + "/server.pem", "-key", tls + "/server.key", "-quiet"])
    defer { server.stop() }
    for _ in 0..<100 where !LoopbackSocket.acceptsTCP(port: port) { usleep(20_000) }
    func connect(_ ca: String) throws -> (status: Int32, output: String) {
      try openssl(
        "s_client", "-connect", "127.0.0.1:\(port)", "-CAfile", ca, "-verify_return_error", "-verify_hostname", "localhost",
        "-brief")
    }
    let trusted = try connect(tls + "/ca.pem")
    XCTAssertEqual(trusted.status, 0, trusted.output)
    let other = try TLSFixture(in: directory.path + "/other")
    let refused = try connect(other.caPath)
    XCTAssertNotEqual(refused.status, 0, refused.output)
    XCTAssertTrue(refused.output.contains("verify error"), refused.output)
  }

  func testShowPrintsTheFingerprintsOpensslPrints() throws {
    succeed("tls", "init")
    let shown = succeed("tls", "show")
    for file in ["server.pem", "ca.pem"] {
      let line = try openssl("x509", "-in", tls + "/" + file, "-noout", "-fingerprint", "-sha256").output
      let fingerprint = try XCTUnwrap(line.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
      XCTAssertTrue(shown.contains("SHA-256:    " + fingerprint), "\(file) \(fingerprint) not in\n\(shown)")
    }
    let listed = try jsonList("tls", "show")
    XCTAssertEqual(listed.map { $0["role"] as? String }, ["server", "ca"])
    XCTAssertTrue((listed[0]["names"] as? [String])?.contains("DNS:localhost") ?? false, "\(listed)")
    XCTAssertEqual(run("tls", "show").error, "", "no warning for a fresh certificate")
  }

  func testShowWarnsOfACertificateThatExpiresWithin30Days() throws {
    _ = try TLSFixture(in: tls, days: 10)
    let result = run("tls", "show")
    XCTAssertEqual(result.status, 0, result.error)
    // openssl counts the 10 days from the second it signs: 9 whole days and some hours are left.
    XCTAssertTrue(
      result.error.contains("warning: the server certificate expires in 9 days")
        || result.error.contains("warning: the server certificate expires in 10 days"), result.error)
  }

  func testRenewingKeepsTheCAAndNewCAReplacesIt() throws {
    succeed("tls", "init")
    let ca = try directory.read("tls/ca.pem")
    let leaf = try directory.read("tls/server.pem")
    let tickets = try Data(contentsOf: URL(fileURLWithPath: tls + "/tickets.key"))
    XCTAssertTrue(succeed("tls", "init").contains("kept the CA"))
    XCTAssertEqual(try directory.read("tls/ca.pem"), ca)
    XCTAssertNotEqual(try directory.read("tls/server.pem"), leaf)
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tls + "/tickets.key")), tickets, "resumption survives a renewal")
    XCTAssertEqual(try openssl("verify", "-CAfile", tls + "/ca.pem", tls + "/server.pem").status, 0)
    XCTAssertTrue(succeed("tls", "init", "--new-ca").contains("made a new CA"))
    XCTAssertNotEqual(try directory.read("tls/ca.pem"), ca)
    XCTAssertEqual(try openssl("verify", "-CAfile", tls + "/ca.pem", tls + "/server.pem").status, 0)
  }

  func testKeysAreRootsAndReadableOnlyByTheTLSDaemons() throws {
    guard geteuid() == 0 else { throw XCTSkip("needs root (file owners)") }
    succeed("tls", "init")
    XCTAssertEqual(try mode(tls), 0o755)
    XCTAssertEqual(try mode(tls + "/ca.key"), 0o600)
    XCTAssertEqual(try mode(tls + "/ca.pem"), 0o644)
    XCTAssertEqual(try mode(tls + "/server.pem"), 0o644)
    for key in ["server.key", "tickets.key"] {
      XCTAssertEqual(try mode(tls + "/" + key), 0o640, key)
      let acl = try ChildProcess.run("/usr/bin/getfacl", ["-n", "-p", tls + "/" + key])
      XCTAssertEqual(acl.status, 0, acl.output)
      XCTAssertTrue(acl.output.contains("other::---"), acl.output)
      XCTAssertTrue(acl.output.contains("group::r--"), acl.output)
      for user in ["slug-www", "slug-jabberd", "slug-smtp"] {
        guard let uid = getpwnam(user)?.pointee.pw_uid else { continue }
        XCTAssertTrue(acl.output.contains("user:\(uid):r--"), "\(user) in\n\(acl.output)")
      }
    }
    let caACL = try ChildProcess.run("/usr/bin/getfacl", ["-n", "-p", tls + "/ca.key"]).output
    XCTAssertFalse(caACL.contains("user:9"), "no daemon reads the CA key: \(caACL)")
  }

  func testImportTakesAChainAndKeyThatMatch() throws {
    let fixture = try TLSFixture(in: directory.path + "/acme")
    let output = succeed("tls", "import", fixture.chainPath, fixture.keyPath)
    XCTAssertTrue(output.contains("2 certificates"), output)
    XCTAssertTrue(succeed("tls", "show").contains("issuer:     CN=slug test CA"))
    XCTAssertEqual(try openssl("verify", "-CAfile", fixture.caPath, tls + "/server.pem").status, 0)
  }

  func testImportRefusesAKeyThatDoesNotMatch() throws {
    let one = try TLSFixture(in: directory.path + "/one")
    let two = try TLSFixture(in: directory.path + "/two")
    let error = fail(65, "tls", "import", one.chainPath, two.keyPath)
    XCTAssertTrue(error.contains("\(two.keyPath) is not the key of the certificate in \(one.chainPath)"), error)
    XCTAssertFalse(FileManager.default.fileExists(atPath: tls + "/server.pem"))
  }

  func testImportRefusesAnExpiredCertificate() throws {
    let old = try expiredCertificate()
    let error = fail(65, "tls", "import", old.certificate, old.key)
    XCTAssertTrue(error.contains("\(old.certificate) expired on 2020-02-01"), error)
  }

  func testImportRefusesASymbolicLinkAndADirectory() throws {
    let fixture = try TLSFixture(in: directory.path + "/acme")
    let link = directory.path + "/link.pem"
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixture.chainPath)
    XCTAssertTrue(fail(65, "tls", "import", link, fixture.keyPath).contains("\(link) is a symbolic link"))
    XCTAssertTrue(fail(65, "tls", "import", fixture.chainPath, directory.path).contains("\(directory.path) is not a regular file"))
  }

  func testExportCAWritesTheCA() throws {
    succeed("tls", "init")
    XCTAssertEqual(succeed("tls", "export-ca"), try directory.read("tls/ca.pem"))
    succeed("tls", "export-ca", directory.path + "/household-ca.pem")
    XCTAssertEqual(try directory.read("household-ca.pem"), try directory.read("tls/ca.pem"))
    XCTAssertTrue(fail(66, "tls", "export-ca", "--tls-dir", directory.path + "/none").contains("tls init"))
  }

  func testABadNameOrAddressIsAUsageError() {
    XCTAssertEqual(run("tls", "init", "--name", "a b").status, 64)
    XCTAssertEqual(run("tls", "init", "--address", "300.1.1.1").status, 64)
    XCTAssertFalse(FileManager.default.fileExists(atPath: tls))
  }

  /// Days between notBefore and notAfter in `openssl x509 -startdate -enddate` output.
  private func validityDays(_ dates: String) throws -> Int {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
    let values = dates.split(separator: "\n").compactMap { line -> Date? in
      guard let value = line.split(separator: "=", maxSplits: 1).last else { return nil }
      return formatter.date(from: value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " "))
    }
    XCTAssertEqual(values.count, 2, dates)
    return Int(values[1].timeIntervalSince(values[0]) / 86400)
  }

  /// A self-signed certificate valid in January 2020 only, signed by `openssl ca` (OpenSSL 3.0's
  /// x509 cannot set dates).
  private func expiredCertificate() throws -> (certificate: String, key: String) {
    let base = directory.path + "/old"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    try "".write(toFile: base + "/index.txt", atomically: true, encoding: .utf8)
    try "01\n".write(toFile: base + "/serial", atomically: true, encoding: .utf8)
    try """
    [ ca ]
    default_ca = old
    [ old ]
    database = \(base)/index.txt
    new_certs_dir = \(base)
    serial = \(base)/serial
    default_md = sha256
    policy = any
    [ any ]
    commonName = supplied

    """.write(toFile: base + "/ca.cnf", atomically: true, encoding: .utf8)
    var result = try openssl(
      "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", base + "/old.key",
      "-out", base + "/old.csr", "-subj", "/CN=localhost")
    XCTAssertEqual(result.status, 0, result.output)
    result = try openssl(
      "ca", "-batch", "-config", base + "/ca.cnf", "-selfsign", "-keyfile", base + "/old.key", "-in", base + "/old.csr",
      "-out", base + "/old.pem", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext")
    XCTAssertEqual(result.status, 0, result.output)
    return (base + "/old.pem", base + "/old.key")
  }
}
