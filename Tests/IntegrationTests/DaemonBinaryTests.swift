import Foundation
import TestSupport
import XCTest

/// The daemons are exec'd once per connection: they must stay static and free of Foundation.
final class DaemonBinaryTests: XCTestCase {
  func testEveryDaemonIsAStaticExecutable() throws {
    let bin = try BuildProducts.binDirectory()
    for daemon in BuildProducts.daemons {
      let file = try ChildProcess.run("/usr/bin/file", ["-L", "\(bin)/\(daemon)"])
      XCTAssertEqual(file.status, 0, file.output)
      XCTAssertTrue(
        file.output.contains("statically linked") || file.output.contains("static-pie linked"),
        "\(daemon): \(file.output)")
      let ldd = try ChildProcess.run("/usr/bin/ldd", ["\(bin)/\(daemon)"])
      XCTAssertTrue(
        ldd.output.contains("statically linked") || ldd.output.contains("not a dynamic executable"),
        "\(daemon): \(ldd.output)")
    }
  }

  func testNoDaemonCarriesFoundation() throws {
    let bin = try BuildProducts.binDirectory()
    for daemon in BuildProducts.daemons {
      let symbols = try ChildProcess.run("/usr/bin/nm", ["\(bin)/\(daemon)"])
      XCTAssertEqual(symbols.status, 0)
      XCTAssertGreaterThan(symbols.output.count, 1000, "\(daemon): nm printed no symbol table")
      let foundation = symbols.output.split(separator: "\n").filter { $0.contains("Foundation") }
      XCTAssertEqual(foundation.prefix(5), [], daemon)
    }
  }

  func testInMVPCheckModePrintsTheEffectiveConfigurationWithoutTouchingFdZero() throws {
    let bin = try BuildProducts.binDirectory()
    let defaults = try ChildProcess.run("\(bin)/in.mvp", ["-n"])
    XCTAssertEqual(defaults.status, 0, defaults.output)
    XCTAssertEqual(
      defaults.output,
      "idle 30\nserver the address each request arrives on\ngui-port 5906\nmedia-port 6337\nconsole-port 16886\n")
    let given = try ChildProcess.run("\(bin)/in.mvp", ["-n", "-i", "5", "--media-port", "7000", "127.0.0.9"])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertTrue(given.output.contains("idle 5\nserver 127.0.0.9\n"), given.output)
    XCTAssertTrue(given.output.contains("media-port 7000\n"), given.output)
  }

  func testInMVPRejectsABadCommandLineWithUsage() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["--gui-port", "70000"], ["not-an-address"], ["10.0.0.1", "10.0.0.2"]] {
      let result = try ChildProcess.run("\(bin)/in.mvp", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.mvp [-d] [-n] [-i IDLE]"), result.output)
    }
  }

  func testInProxyRejectsABadCommandLineWithUsage() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["--allow", "10.0.0.0/33"], ["--allow", "lan"], ["--connect-port", "0"], ["-t", "0"], ["extra"]] {
      let result = try ChildProcess.run("\(bin)/in.proxy", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.proxy [-d] [-n] [-t IDLE]"), result.output)
    }
  }

  func testInProxyRefusesAnFdZeroThatIsNotAStreamSocket() throws {
    let result = try BuildProducts.runDaemon("in.proxy", [], input: nil)
    XCTAssertEqual(result.status, 66, result.log)
    XCTAssertTrue(result.log.contains("fd 0 is not a stream socket"), result.log)
  }

  func testInWWWRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-t", "0"], ["--cgi-timeout", "many"], ["relative/root"], ["/a", "/b"], ["--index", "a/b"]] {
      let result = try ChildProcess.run("\(bin)/in.www", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.www [-d] [-n] [-t IDLE] [-r READ]"), result.output)
    }
    let notSocket = try ChildProcess.run("\(bin)/in.www", ["-d", "/tmp"])
    XCTAssertEqual(notSocket.status, 66, notSocket.output)
    XCTAssertTrue(notSocket.output.contains("fd 0 is not a stream socket"), notSocket.output)
  }

  func testInWWWCheckModePrintsTheEffectiveConfigurationWithoutTouchingFdZero() throws {
    let bin = try BuildProducts.binDirectory()
    let root = try TemporaryDirectory()
    let defaults = try ChildProcess.run("\(bin)/in.www", ["-n", root.path + "/"])
    XCTAssertEqual(defaults.status, 0, defaults.output)
    XCTAssertEqual(
      defaults.output,
      """
      document-root \(root.path)
      index index.html
      idle 15
      read-timeout 20
      cgi yes
      cgi-timeout 60
      follow-symlinks no
      access-log none
      max-clients 128
      max-per-source 32
      tls no

      """)
    let given = try ChildProcess.run(
      "\(bin)/in.www",
      ["-n", "-t", "3", "-r", "4", "--index", "home.htm", "--index", "index.cgi", "--no-cgi", "--cgi-timeout", "5",
       "--follow-symlinks", "--log", root.path + "/access.log", "--max-clients", "4", "--max-per-source", "9", root.path])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertEqual(
      given.output,
      """
      document-root \(root.path)
      index home.htm
      index index.cgi
      idle 3
      read-timeout 4
      cgi no
      cgi-timeout 5
      follow-symlinks yes
      access-log \(root.path)/access.log
      max-clients 4
      max-per-source 4
      tls no

      """)
  }

  func testInWWWCheckModePrintsTheTLSConfigurationAndRefusesAMissingCertificate() throws {
    let bin = try BuildProducts.binDirectory()
    let root = try TemporaryDirectory()
    let certificates = try TLSFixture(in: root.path + "/tls")
    let given = try ChildProcess.run(
      "\(bin)/in.www", ["-n", "--tls", "--tls-dir", certificates.directory + "/", "--hsts", "3600", root.path])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertTrue(
      given.output.hasSuffix(
        """
        tls yes
        tls-dir \(certificates.directory)
        tls-certificate \(certificates.chainPath)
        tls-key \(certificates.keyPath)
        hsts max-age=3600
        upload-dir /var/lib/slug/upload

        """), given.output)

    // A key slug-tls cannot use: said by -n, through slug-tls --check.
    try "not a key\n".write(toFile: certificates.keyPath, atomically: true, encoding: .utf8)
    let unusable = try ChildProcess.run("\(bin)/in.www", ["-n", "--tls", "--tls-dir", certificates.directory, root.path])
    XCTAssertEqual(unusable.status, 78, unusable.output)
    XCTAssertTrue(unusable.output.contains("not a PEM private key"), unusable.output)

    try FileManager.default.removeItem(atPath: certificates.keyPath)
    let missing = try ChildProcess.run("\(bin)/in.www", ["-n", "--tls", "--tls-dir", certificates.directory, root.path])
    XCTAssertEqual(missing.status, 78, missing.output)
    XCTAssertTrue(missing.output.contains("no certificate in \(certificates.directory)"), missing.output)
    XCTAssertTrue(missing.output.contains("slugctl tls init"), missing.output)

    for (arguments, message) in [
      (["--hsts", "60"], "--hsts applies to HTTPS only"), (["--tls-dir", "/x"], "--tls-dir applies to HTTPS only"),
      (["--tls", "--tls-dir", "relative"], "--tls-dir needs an absolute path"),
      (["--tls", "--hsts", "-1"], "--hsts needs a number"),
    ] {
      let refused = try ChildProcess.run("\(bin)/in.www", ["-n"] + arguments + [root.path])
      XCTAssertEqual(refused.status, 64, refused.output)
      XCTAssertTrue(refused.output.contains(message), "\(arguments): \(refused.output)")
    }
  }

  func testInWWWCheckModeRefusesADocumentRootThatIsNotADirectory() throws {
    let bin = try BuildProducts.binDirectory()
    let root = try TemporaryDirectory()
    try "not a directory\n".write(toFile: root.path + "/file", atomically: true, encoding: .utf8)
    for missing in [root.path + "/missing", root.path + "/file"] {
      let result = try ChildProcess.run("\(bin)/in.www", ["-n", missing])
      XCTAssertEqual(result.status, 66, result.output)
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("document root \(missing) is not a directory"), result.output)
    }
  }

  /// PROGRAM ARGUMENTS run in a network namespace of its own whose only interface is loopback
  /// (unshare(1)), so the machine's networks it reads are 127.0.0.0/8 and ::1 alone.
  static func inOwnNetwork(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    try ChildProcess.run(
      "/usr/bin/unshare", ["-n", "/bin/sh", "-c", "/usr/sbin/ip link set lo up && exec \"$0\" \"$@\"", program] + arguments)
  }

  func testInProxyCheckModePrintsTheEffectiveConfigurationWithoutTouchingFdZero() throws {
    let bin = try BuildProducts.binDirectory()
    // In a network namespace of its own with loopback alone, so the machine's networks (the
    // default clients) and addresses (refused destinations) are known.
    let defaults = try Self.inOwnNetwork("\(bin)/in.proxy", ["-n"])
    XCTAssertEqual(defaults.status, 0, defaults.output)
    XCTAssertEqual(
      defaults.output,
      """
      idle 15
      timeout 30
      allow 127.0.0.0/8
      allow ::1/128
      own-address 127.0.0.1
      own-address ::1
      connect-port 443
      worker-idle 30
      max-clients 64
      max-per-source 32

      """)
    let given = try Self.inOwnNetwork(
      "\(bin)/in.proxy",
      ["-n", "-t", "5", "--timeout", "7", "--allow", "10.1.2.3/8", "--allow", "fd00::1/8", "--allow", "192.168.1.9",
       "--allow-destination", "127.0.0.1", "--connect-port", "443", "--connect-port", "8443", "-i", "0", "--max-clients", "2"])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertEqual(
      given.output,
      """
      idle 5
      timeout 7
      allow 10.0.0.0/8
      allow fd00::/8
      allow 192.168.1.9/32
      allow-destination 127.0.0.1/32
      own-address 127.0.0.1
      own-address ::1
      connect-port 443
      connect-port 8443
      worker-idle 0
      max-clients 2
      max-per-source 2

      """)
    let bad = try ChildProcess.run("\(bin)/in.proxy", ["-n", "--allow", "10.0.0.0/33"])
    XCTAssertEqual(bad.status, 64, bad.output)
    XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
    XCTAssertTrue(bad.output.contains("--allow needs an address or CIDR"), bad.output)
  }

  func testInSMTPCheckModePrintsTheEffectiveConfigurationWithoutTouchingFdZero() throws {
    let bin = try BuildProducts.binDirectory()
    let defaults = try Self.inOwnNetwork("\(bin)/in.smtp", ["-n"])
    XCTAssertEqual(defaults.status, 0, defaults.output)
    var name = [CChar](repeating: 0, count: 256)
    XCTAssertEqual(gethostname(&name, name.count - 1), 0)
    XCTAssertEqual(
      defaults.output,
      """
      sendmail /usr/sbin/sendmail
      sendmail-timeout 300
      hostname \(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
      allow 127.0.0.0/8
      allow ::1/128
      relay-domain none
      max-size 33554432
      max-recipients 100
      spool /var/tmp
      command-timeout 300
      data-timeout 180
      max-clients 32
      max-per-source 8
      mode relay
      tls off
      tls-dir /var/lib/slug/tls not configured
      db /var/lib/slug/slug.db
      domain \(String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased())

      """)
    let given = try ChildProcess.run(
      "\(bin)/in.smtp",
      ["-n", "-s", "/usr/bin/msmtp", "--hostname", "relay.test", "--domain", "Relay.Test", "--allow", "10.0.0.0/8", "--relay-domain", "Home.LAN",
       "--relay-domain", ".example.org", "--max-size", "1048576", "--max-recipients", "5", "--spool", "/srv/spool",
       "-t", "60", "--data-timeout", "90", "--sendmail-timeout", "30", "--max-clients", "10", "--max-per-source", "3"])
    XCTAssertEqual(given.status, 0, given.output)
    XCTAssertEqual(
      given.output,
      """
      sendmail /usr/bin/msmtp
      sendmail-timeout 30
      hostname relay.test
      allow 10.0.0.0/8
      relay-domain home.lan
      relay-domain example.org
      max-size 1048576
      max-recipients 5
      spool /srv/spool
      command-timeout 60
      data-timeout 90
      max-clients 10
      max-per-source 3
      mode relay
      tls off
      tls-dir /var/lib/slug/tls not configured
      db /var/lib/slug/slug.db
      domain relay.test

      """)
    let bad = try ChildProcess.run("\(bin)/in.smtp", ["-n", "--relay-domain", "-x.lan"])
    XCTAssertEqual(bad.status, 64, bad.output)
    XCTAssertEqual(bad.output.split(separator: "\n").count, 1, bad.output)
    XCTAssertTrue(bad.output.contains("--relay-domain needs a domain name, not '-x.lan'"), bad.output)
  }

  func testInSMTPRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-s", "sendmail"], ["--allow", "lan"], ["--relay-domain", "-x.lan"], ["--max-size", "10"],
                      ["--max-recipients", "0"], ["-t", "0"], ["--hostname", "a b"], ["extra"]] {
      let result = try ChildProcess.run("\(bin)/in.smtp", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.smtp [-d] [-n] [--submission] [--tls]"), result.output)
    }
    let notSocket = try BuildProducts.runDaemon("in.smtp", [], input: nil)
    XCTAssertEqual(notSocket.status, 66, notSocket.log)
    XCTAssertTrue(notSocket.log.contains("fd 0 is not a stream socket"), notSocket.log)
  }

  func testInCTCSRejectsABadCommandLineWithUsageAndANonSocketAsNoInput() throws {
    let bin = try BuildProducts.binDirectory()
    for arguments in [["-x"], ["-t", "0"], ["--status-interval", "often"], ["64"], ["64", "-1"], ["1", "2", "3"]] {
      let result = try ChildProcess.run("\(bin)/in.ctcs", arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertEqual(result.output.split(separator: "\n").count, 1, result.output)
      XCTAssertTrue(result.output.contains("usage: in.ctcs [-d] [-n] [--db PATH]"), result.output)
    }
    let notSocket = try BuildProducts.runDaemon("in.ctcs", ["64", "32"], input: nil)
    XCTAssertEqual(notSocket.status, 66, notSocket.log)
    XCTAssertTrue(notSocket.log.contains("fd 0 is not a stream socket"), notSocket.log)
  }
}
