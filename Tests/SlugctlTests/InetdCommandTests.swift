import Foundation
import TestSupport
import XCTest

final class InetdCommandTests: StoreCommandTestCase {
  func testInetdLinesForLoopbackTesting() {
    let output = succeed(
      "inetd", "generate", "--bind", "127.0.0.1", "--port", "mvp=16999", "--services", "mvp", "--prefix", "/opt/slug")
    let lines = output.split(separator: "\n").filter { !$0.hasPrefix("#") }
    XCTAssertEqual(lines.first, "127.0.0.1:", "openbsd-inetd's default-address line")
    let fields = lines.last?.split(whereSeparator: { $0 == " " || $0 == "\t" }) ?? []
    XCTAssertEqual(fields, ["16999", "dgram", "udp", "wait", "slug-mvp", "/opt/slug/sbin/in.mvp", "in.mvp"], output)
  }

  func testEachDaemonRunsAsItsOwnUserAndStoreWritersWithTheStoreGroup() {
    let fields = { (output: String) in
      output.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: " ")[4]) }
    }
    XCTAssertEqual(
      fields(succeed("inetd", "generate", "--services", "dhcp,dns,mvp")), ["slug-dhcp.slug", "slug-dns", "slug-dns", "slug-mvp"])
    XCTAssertEqual(
      fields(succeed("inetd", "generate", "--services", "dhcp,mvp", "--group", "slugdata")), ["slug-dhcp.slugdata", "slug-mvp"])
    // --user applies to every daemon; in.dns then reads the store through the group.
    XCTAssertEqual(
      fields(succeed("inetd", "generate", "--services", "dns,www", "--user", "dns", "--group", "dnsread")),
      ["dns.dnsread", "dns.dnsread", "dns"])
    XCTAssertTrue(fail(64, "inetd", "generate", "--group", "slug.db").contains("group 'slug.db' is not a group name"))
  }

  /// --bind repeats, takes IPv6 and a bad address is a usage error naming it.
  func testBindRepeatsAndTakesIPv6() {
    let output = succeed("inetd", "generate", "--bind", "127.0.0.1", "--bind", "::1", "--services", "www")
    XCTAssertEqual(
      output.split(separator: "\n").filter { !$0.hasPrefix("#") },
      ["127.0.0.1,::1:", "80 stream tcp nowait.1000000 slug-www /usr/local/sbin/in.www in.www"])
    XCTAssertTrue(
      fail(64, "inetd", "generate", "--bind", "::1", "--bind", "lan").contains(
        "bind address 'lan' is not an IPv4 or IPv6 address"))
  }

  func testXinetdStanzas() {
    let output = succeed("inetd", "generate", "--format", "xinetd", "--services", "mvp", "--port", "mvp=16999")
    XCTAssertTrue(output.contains("\tflags = IPv6\n"), output)
    XCTAssertTrue(output.contains("UNLISTED"), output)
    XCTAssertTrue(output.contains("16999"), output)
  }

  func testSystemdUnitsAreWrittenIntoTheOutputDirectoryOrPrintedWithHeaders() throws {
    let printed = succeed("inetd", "generate", "--format", "systemd", "--services", "mvp")
    XCTAssertTrue(printed.hasPrefix("# slug-mvp.socket\n"), printed)
    XCTAssertTrue(printed.contains("# slug-mvp.service\n"), printed)
    succeed("inetd", "generate", "--format", "systemd", "--services", "mvp", "-o", directory.path)
    XCTAssertTrue(try directory.read("slug-mvp.socket").contains("ListenDatagram="))
    XCTAssertTrue(try directory.read("slug-mvp.service").contains("StandardInput=socket"))
  }

  /// Every generated unit scores at most 2.0 in `systemd-analyze security --offline=true` (9.5
  /// with only User= and Group=); the scores are in the failure message.
  func testEveryGeneratedUnitIsRatedAtMost2InSystemdAnalyzeSecurity() throws {
    let analyzer = "/usr/bin/systemd-analyze"
    guard FileManager.default.isExecutableFile(atPath: analyzer) else {
      XCTFail("\(analyzer) is missing: apt-get install systemd")
      return
    }
    succeed("inetd", "generate", "--format", "systemd", "-o", directory.path)
    let services = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".service") }.sorted()
    XCTAssertEqual(services.count, 13)
    var scores: [String] = []
    for unit in services {
      let result = try ChildProcess.run(
        analyzer, ["security", "--offline=true", "--no-pager", directory.path + "/" + unit])
      // "→ Overall exposure level for slug-www@i.service: 1.2 OK 🙂"
      let line = result.output.split(separator: "\n").first { $0.contains("Overall exposure level for") }
      let score = line.flatMap { $0.split(separator: ": ").last?.split(separator: " ").first }.flatMap { Double($0) }
      guard let score else {
        XCTFail("\(unit): no exposure level in:\n\(result.output)")
        continue
      }
      scores.append("\(unit) \(score)")
      XCTAssertLessThanOrEqual(score, 2.0, "\(unit):\n\(result.output)")
    }
    print("systemd-analyze security: " + scores.joined(separator: ", "))
  }

  func testDaemonsThatReadTheStoreGetTheDbPath() {
    let output = succeed("inetd", "generate", "--services", "dns")
    XCTAssertTrue(output.contains("--db \(database)"), output)
  }

  func testBadPortsAndUnknownServicesAreUsageErrors() {
    XCTAssertTrue(fail(64, "inetd", "generate", "--port", "mvp").contains("'mvp'"))
    XCTAssertTrue(fail(64, "inetd", "generate", "--port", "mvp=70000").contains("'mvp=70000'"))
    XCTAssertTrue(fail(64, "inetd", "generate", "--services", "gopher").contains("'gopher'"))
    fail(64, "inetd", "generate", "--format", "launchd")
  }
}

final class InetdStorePathTests: XCTestCase {
  func testTheDefaultStoreIsLeftToTheDaemonsAndSLUGDBIsPassedOn() {
    let saved = ProcessInfo.processInfo.environment["SLUG_DB"]
    defer { if let saved { setenv("SLUG_DB", saved, 1) } else { unsetenv("SLUG_DB") } }
    unsetenv("SLUG_DB")
    XCTAssertFalse(slugctl(["inetd", "generate", "--services", "dns"]).output.contains("--db"))
    setenv("SLUG_DB", "/srv/slug/test.db", 1)
    XCTAssertTrue(slugctl(["inetd", "generate", "--services", "dns"]).output.contains("in.dns --db /srv/slug/test.db"))
  }

  /// templates/ ships what `slugctl inetd generate` writes with its defaults, for people who
  /// read before they install; regenerate them with those commands when this fails.
  func testTemplatesAreWhatInetdGenerateWritesByDefault() throws {
    let saved = ProcessInfo.processInfo.environment["SLUG_DB"]
    defer { if let saved { setenv("SLUG_DB", saved, 1) } else { unsetenv("SLUG_DB") } }
    unsetenv("SLUG_DB")
    let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("templates").path
    let inetd = try String(contentsOfFile: templates + "/inetd.conf", encoding: .utf8)
    XCTAssertEqual(slugctl(["inetd", "generate", "--format", "inetd"]).output, inetd)
    for (format, folder) in [("xinetd", "xinetd.d"), ("systemd", "systemd")] {
      let generated = try TemporaryDirectory()
      XCTAssertEqual(slugctl(["inetd", "generate", "--format", format, "-o", generated.path]).status, 0)
      let names = try FileManager.default.contentsOfDirectory(atPath: generated.path).sorted()
      XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: templates + "/" + folder).sorted(), names)
      for name in names {
        XCTAssertEqual(
          try String(contentsOfFile: templates + "/\(folder)/\(name)", encoding: .utf8),
          try String(contentsOfFile: generated.path + "/" + name, encoding: .utf8), "templates/\(folder)/\(name)")
      }
    }
  }
}
