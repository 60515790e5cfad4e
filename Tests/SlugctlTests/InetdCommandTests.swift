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
    XCTAssertEqual(fields, ["16999", "dgram", "udp4", "wait", "nobody", "/opt/slug/sbin/in.mvp", "in.mvp"], output)
  }

  func testStoreReadersRunWithTheGroupThatOwnsTheStore() {
    let fields = { (output: String) in
      output.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: " ")[4]) }
    }
    XCTAssertEqual(fields(succeed("inetd", "generate", "--services", "dns,mvp")), ["nobody.slug", "nobody.slug", "nobody"])
    XCTAssertEqual(
      fields(succeed("inetd", "generate", "--services", "dns", "--user", "dns", "--group", "dnsread")),
      ["dns.dnsread", "dns.dnsread"])
    XCTAssertTrue(fail(64, "inetd", "generate", "--group", "slug.db").contains("group 'slug.db' is not a group name"))
  }

  func testXinetdStanzas() {
    let output = succeed("inetd", "generate", "--format", "xinetd", "--services", "mvp", "--port", "mvp=16999")
    XCTAssertTrue(output.contains("flags") && output.contains("IPv4"), output)
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
