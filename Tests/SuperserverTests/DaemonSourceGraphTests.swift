import Foundation
import Superserver
import XCTest

/// The Embedded programs' build graph is declared once, in Package.swift's `daemon("NAME",
/// compiles: [...])` and `tool("NAME", compiles: [...])` lines; Scripts/link-daemons makes the
/// links from it. These tests hold the links on disk and the catalogue to that table. The
/// daemons that open the store are slugctl's binary: its `tool` line names their folders.
final class DaemonSourceGraphTests: XCTestCase {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  /// The table: daemon name ("www") to the shared source folders it compiles ("Runtime",
  /// "Services/HTTP").
  static func declaredTable(_ kind: String = "daemon") throws -> [String: [String]] {
    let manifest = try String(contentsOfFile: repository + "/Package.swift", encoding: .utf8)
    let line = try NSRegularExpression(pattern: kind + #"\("([a-z]+)", compiles: \[([^\]]*)\]\)"#)
    let quoted = try NSRegularExpression(pattern: #""([^"]+)""#)
    var table: [String: [String]] = [:]
    for match in line.matches(in: manifest, range: NSRange(manifest.startIndex..., in: manifest)) {
      let name = String(manifest[Range(match.range(at: 1), in: manifest)!])
      let list = String(manifest[Range(match.range(at: 2), in: manifest)!])
      table[name] = quoted.matches(in: list, range: NSRange(list.startIndex..., in: list)).map {
        String(list[Range($0.range(at: 1), in: list)!])
      }
    }
    return table
  }

  /// The daemons slugctl's binary is (its `tool` line's "Daemons/in.NAME" entries).
  static func slugctlDaemons() throws -> [String] {
    try XCTUnwrap(declaredTable("tool")["slugctl"]).filter { $0.hasPrefix("Daemons/") }.map { String($0.dropFirst("Daemons/".count)) }
  }

  func testEveryDaemonFolderLinksExactlyTheSourcesTheTableDeclares() throws {
    let table = try Self.declaredTable()
    let inSlugctl = try Self.slugctlDaemons()
    let daemons = Self.repository + "/Sources/Daemons"
    let folders = try FileManager.default.contentsOfDirectory(atPath: daemons).filter { $0.hasPrefix("in.") }
    XCTAssertEqual(Set(folders), Set(table.keys.map { "in.\($0)" } + inSlugctl), "daemon folders against Package.swift's table")
    XCTAssertTrue(Set(table.keys.map { "in.\($0)" }).isDisjoint(with: inSlugctl), "a daemon is its own binary or slugctl's, not both")
    for (name, shared) in table {
      let folder = daemons + "/in.\(name)"
      var links: [String: String] = [:]
      for entry in try FileManager.default.contentsOfDirectory(atPath: folder) {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + entry) {
          links[entry] = target
        }
      }
      let expected = Dictionary(uniqueKeysWithValues: shared.map { (($0 as NSString).lastPathComponent, "../../" + $0) })
      XCTAssertEqual(links, expected, "in.\(name): run Scripts/link-daemons after changing the table")
      for target in links.values {
        XCTAssertFalse(target.contains("Daemons/"), "in.\(name) links into another daemon's folder: \(target)")
      }
      XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/main.swift"), "in.\(name) is a program: its main.swift")
    }
    // slugctl's daemons are compiled into slugctl, whose folder links the shared sources: their
    // own folders hold their own sources only, and no main.swift (slugctl's picks the program).
    for program in inSlugctl {
      let folder = daemons + "/" + program
      let entries = try FileManager.default.subpathsOfDirectory(atPath: folder)
      XCTAssertEqual(entries.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + $0)) != nil }, [], program)
      XCTAssertFalse(entries.contains("main.swift"), program)
    }
  }

  /// slugctl's folder under Sources/Tools links Sources/slugctl, the shared sources and the
  /// folders of the daemons it is, as the `tool` line says.
  func testEveryToolFolderLinksExactlyTheSourcesTheTableDeclares() throws {
    let table = try Self.declaredTable("tool")
    XCTAssertEqual(Set(table.keys), ["slugctl"])
    for (name, shared) in table {
      let folder = Self.repository + "/Sources/Tools/" + name
      var links: [String: String] = [:]
      for entry in try FileManager.default.contentsOfDirectory(atPath: folder) {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: folder + "/" + entry) {
          links[entry] = target
        }
      }
      let expected = Dictionary(uniqueKeysWithValues: shared.map { (($0 as NSString).lastPathComponent, "../../" + $0) })
      XCTAssertEqual(links, expected, "\(name): run Scripts/link-daemons after changing the table")
    }
  }

  /// The daemons that open the store are slugctl's binary, which carries SQLite; a daemon of its
  /// own must not compile the Store (it would carry a SQLite of its own again).
  func testTheCatalogueSaysAServiceUsesTheStoreExactlyWhenItsDaemonIsSlugctl() throws {
    let table = try Self.declaredTable()
    let inSlugctl = try Self.slugctlDaemons()
    for service in Catalog.services {
      if inSlugctl.contains(service.program) {
        XCTAssertTrue(service.usesStore, service.name)
      } else {
        let shared = try XCTUnwrap(table[String(service.program.dropFirst("in.".count))], "\(service.program) is not in Package.swift's table")
        XCTAssertFalse(service.usesStore, service.name)
        XCTAssertFalse(shared.contains("Store"), service.name)
      }
    }
    XCTAssertEqual(Set(table.keys.map { "in.\($0)" } + inSlugctl), Set(Catalog.services.map(\.program)))
  }

  /// CLibcMusl and CTLSMusl are CLibc and CTLS compiled against musl for the daemons: each must
  /// link every source and public header of its twin, so that a file added to one is not
  /// missing from the daemons' build (Package.swift, "musl").
  func testTheMuslTargetsLinkEverySourceOfTheirTwins() throws {
    let sources = Self.repository + "/Sources/"
    for (twin, musl) in [("CLibc", "CLibcMusl"), ("CTLS", "CTLSMusl")] {
      for folder in ["", "include/"] {
        let files = try FileManager.default.contentsOfDirectory(atPath: sources + twin + "/" + folder)
          .filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }
        XCTAssertFalse(files.isEmpty, twin + "/" + folder)
        for file in files {
          let link = sources + musl + "/" + folder + file
          let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link)
          let expected = (folder.isEmpty ? "../" : "../../") + twin + "/" + folder + file
          XCTAssertEqual(target, expected, "\(musl)/\(folder)\(file) should link \(expected)")
        }
      }
    }
  }
}
