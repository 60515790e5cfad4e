import Foundation
import Store
import XCTest

final class ImportExportTests: StoreCommandTestCase {
  /// Each format with a file in the exact form export writes, so import then export must give
  /// the same bytes back.
  private let canonical: [(format: String, iface: String?, text: String)] = [
    ("in.jabberd.conf", nil, "alice : pw1\nbob : pw:2\n"),
    ("in.dns.conf", nil, "nas.home. 192.168.0.2\nfiles.home. 192.168.0.2\nprinter.home. 2001:db8::3\n"),
    ("hosts", nil, "192.168.0.2\tnas.home files.home\n2001:db8::3\tprinter.home\n"),
    (
      "in.dhcp.conf", "eth0",
      "00:11:22:33:44:55 {\n\thostname tv\n\taddress 192.168.0.10\n}\npool-start 192.168.0.100\npool-end 192.168.0.200\nrouters 192.168.0.1\n"
    ),
    ("in.dhcp.leases", "eth0", "192.168.0.100 00:11:22:33:44:01\n192.168.0.101 00:11:22:33:44:02\n"),
    ("ethers", nil, "00:11:22:33:44:55 192.168.0.10\n00:11:22:33:44:66 192.168.0.11\n"),
    ("dnsmasq-hosts", nil, "00:11:22:33:44:55,192.168.0.10,tv\n00:11:22:33:44:66,192.168.0.11\n"),
    ("dnsmasq-leases", "eth0", "1795800000 00:11:22:33:44:01 192.168.0.100 laptop *\n0 00:11:22:33:44:02 192.168.0.101 * 01:02:03\n"),
  ]

  /// Jabber users are imported legacy, so that their passwords can be exported again.
  private func importing(_ format: String, _ file: String, iface: String?, _ extra: String...) -> [String] {
    ["import", format, file] + (iface.map { ["--iface", $0] } ?? []) + (format == "in.jabberd.conf" ? ["--legacy"] : [])
      + extra
  }

  private func exporting(_ format: String, iface: String?) -> [String] {
    ["export", format] + (iface.map { ["--iface", $0] } ?? [])
  }

  private func slug(_ arguments: [String], input: String = "") -> RunResult {
    slugctl(arguments + ["--db", database], input: input)
  }

  func testEveryFormatRoundTripsThroughTheStore() throws {
    XCTAssertEqual(Set(canonical.map(\.format)), Set(FlatFormat.allCases.map(\.rawValue)), "every format is covered")
    for (format, iface, text) in canonical {
      directory = try .init()
      let file = try directory.write(text, to: format)
      let imported = slug(importing(format, file, iface: iface))
      XCTAssertEqual(imported.status, 0, "\(format): \(imported.error)")
      let exported = slug(exporting(format, iface: iface))
      XCTAssertEqual(exported.status, 0, "\(format): \(exported.error)")
      XCTAssertEqual(exported.output, text, format)
    }
  }

  /// The formats helper's golden files (Tests/Fixtures/Formats): the input as people write it,
  /// quirks included, comes back from the store as the canonical rendering.
  func testFormatFixturesComeBackCanonicalThroughTheStore() throws {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/Formats").path
    let cases: [(fixture: String, format: String, iface: String?)] = [
      ("jabberd", "in.jabberd.conf", nil), ("dns", "in.dns.conf", nil), ("hosts", "hosts", nil),
      ("dhcp", "in.dhcp.conf", "eth0"), ("dhcp-leases", "in.dhcp.leases", "eth0"), ("ethers", "ethers", nil),
      ("dnsmasq-leases", "dnsmasq-leases", "eth0"),
    ]
    for (fixture, format, iface) in cases {
      directory = try .init()
      if format == "ethers" { succeed("dns", "add", "mvp-lounge.home", "192.168.0.3") }
      let imported = slug(importing(format, fixtures + "/" + fixture + ".input", iface: iface))
      XCTAssertEqual(imported.status, 0, "\(fixture): \(imported.error)")
      let canonical = try String(contentsOfFile: fixtures + "/" + fixture + ".canonical", encoding: .utf8)
      XCTAssertEqual(slug(exporting(format, iface: iface)).output, canonical, fixture)
    }
  }

  /// dnsmasq lets several MACs share one fixed address; the store keeps one MAC per address.
  func testADnsmasqLineSharingAnAddressBetweenMACsIsRefusedAtItsLine() throws {
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/Formats/dnsmasq-hosts.input").path
    let error = fail(65, "import", "dnsmasq-hosts", fixture)
    XCTAssertTrue(error.contains("\(fixture):4: ") && error.contains("192.168.0.5"), error)
    XCTAssertEqual(try jsonList("dhcp", "static", "list").count, 0)
  }

  func testReimportingTheSameFileChangesNothing() throws {
    for (format, iface, text) in canonical {
      directory = try .init()
      let file = try directory.write(text, to: format)
      XCTAssertEqual(slug(importing(format, file, iface: iface)).status, 0, format)
      let again = slug(importing(format, file, iface: iface))
      XCTAssertEqual(again.status, 0, "\(format): \(again.error)")
      XCTAssertTrue(again.output.contains(": 0 added, "), "\(format): \(again.output)")
      XCTAssertFalse(again.output.contains(", 0 already present"), "\(format): \(again.output)")
      XCTAssertEqual(slug(exporting(format, iface: iface)).output, text, format)
    }
  }

  func testAConflictingRecordFailsTheWholeImportNamingItsLine() throws {
    succeed("jabber", "adduser", "bob", "--password", "original")
    let file = try directory.write("# users\nalice : pw1\nbob : different\ncarol : pw3\n", to: "in.jabberd.conf")
    let error = fail(65, "import", "in.jabberd.conf", file)
    XCTAssertTrue(error.contains("\(file):3: "), error)
    XCTAssertTrue(error.contains("bob"), error)
    XCTAssertEqual(try jsonList("jabber", "list").map { $0["name"] as? String }, ["bob"], "nothing was imported")
  }

  func testAConflictRefusedByTheStoreNamesItsLine() throws {
    succeed("dhcp", "static", "add", "00:11:22:33:44:99", "192.168.0.10")
    let file = try directory.write("00:11:22:33:44:55,192.168.0.11\n00:11:22:33:44:66,192.168.0.10\n", to: "hosts.dnsmasq")
    let error = fail(65, "import", "dnsmasq-hosts", file)
    XCTAssertTrue(error.contains("\(file):2: "), error)
    XCTAssertEqual(try jsonList("dhcp", "static", "list").count, 1)
  }

  func testReplaceClearsWhatTheFormatCoversFirst() throws {
    succeed("jabber", "adduser", "bob", "--password", "original")
    succeed("dns", "add", "old.home", "192.168.0.9")
    let file = try directory.write("alice : pw1\nbob : different\n", to: "in.jabberd.conf")
    succeed("import", "in.jabberd.conf", file, "--replace", "--legacy")
    XCTAssertEqual(succeed("export", "in.jabberd.conf"), "alice : pw1\nbob : different\n")
    XCTAssertEqual(try jsonList("dns", "list").count, 1, "other records stay")
  }

  func testEthersNamesTakeTheirAddressFromTheStore() throws {
    succeed("dns", "add", "tv.home", "192.168.0.20")
    let file = try directory.write("00:11:22:33:44:55 tv.home\n00:11:22:33:44:66 radio.home\n", to: "ethers")
    let error = fail(65, "import", "ethers", file)
    XCTAssertTrue(error.contains("\(file):2: ") && error.contains("radio.home"), error)
    let good = try directory.write("00:11:22:33:44:55 tv.home\n", to: "ethers.good")
    succeed("import", "ethers", good)
    XCTAssertEqual(succeed("export", "ethers"), "00:11:22:33:44:55 tv.home\n")
    XCTAssertEqual(succeed("export", "dnsmasq-hosts"), "00:11:22:33:44:55,192.168.0.20,tv.home\n")
  }

  func testParseErrorsNameFileAndLine() throws {
    let file = try directory.write("nas.home. 192.168.0.2\nbroken line here\n", to: "in.dns.conf")
    let error = fail(65, "import", "in.dns.conf", file)
    XCTAssertTrue(error.contains("\(file):2: "), error)
  }

  func testMissingFilesAndInterfacesAreRefused() {
    fail(66, "import", "hosts", directory.path + "/none")
    fail(64, "import", "in.dhcp.leases", directory.path + "/none")
    fail(64, "export", "in.dhcp.conf")
    fail(64, "export", "yaml")
    XCTAssertTrue(fail(65, "export", "in.dhcp.conf", "--iface", "eth7").contains("eth7"))
  }

  func testExportWithOutputReplacesTheFileAtomically() throws {
    succeed("jabber", "adduser", "bob", "--password", "pw", "--legacy")
    let target = try directory.write("stale\n", to: "users.conf")
    XCTAssertEqual(succeed("export", "in.jabberd.conf", "-o", target), "")
    XCTAssertEqual(try directory.read("users.conf"), "bob : pw\n")
    let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? Int
    XCTAssertEqual(mode, 0o600, "passwords are not world-readable")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp.") }
    XCTAssertEqual(leftovers, [])
    XCTAssertEqual(run("export", "hosts", "-o", directory.path + "/no/such/dir/hosts").status, 73)
  }

  /// The attack: `export -o` at a device node or a link renamed a regular file over it.
  func testExportRefusesToReplaceALinkOrAFIFOAndDashIsStandardOutput() throws {
    succeed("dns", "add", "nas.home", "192.168.0.2")
    let victim = try directory.write("precious\n", to: "victim")
    let link = directory.path + "/link"
    XCTAssertEqual(symlink(victim, link), 0)
    let fifo = directory.path + "/fifo"
    XCTAssertEqual(mkfifo(fifo, 0o600), 0)
    for (target, kind) in [(link, "a symbolic link"), (fifo, "a FIFO")] {
      let result = run("export", "hosts", "-o", target)
      XCTAssertEqual(result.status, 73, result.error)
      XCTAssertTrue(result.error.contains("cannot open \(target): it is \(kind), not a regular file"), result.error)
    }
    XCTAssertEqual(try directory.read("victim"), "precious\n")
    var status = stat()
    XCTAssertEqual(lstat(link, &status), 0)
    XCTAssertEqual(status.st_mode & S_IFMT, S_IFLNK)
    XCTAssertTrue(succeed("export", "hosts", "-o", "-").contains("192.168.0.2"))
    XCTAssertFalse(FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/-"))
  }
}
