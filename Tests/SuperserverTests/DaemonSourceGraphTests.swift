import Foundation
import Superserver
import XCTest

/// The Embedded programs' build graph is declared once, in Package.swift's `daemon("NAME",
/// compiles: [...])` and `tool("NAME", compiles: [...])` lines; Scripts/link-daemons makes the
/// links from it. These tests hold the links on disk and the catalogue to that table.
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

  func testEveryDaemonFolderLinksExactlyTheSourcesTheTableDeclares() throws {
    let table = try Self.declaredTable()
    let daemons = Self.repository + "/Sources/Daemons"
    let folders = try FileManager.default.contentsOfDirectory(atPath: daemons).filter { $0.hasPrefix("in.") }
    XCTAssertEqual(Set(folders), Set(table.keys.map { "in.\($0)" }), "daemon folders against Package.swift's table")
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
    }
  }

  /// slugctl's folder under Sources/Tools links Sources/slugctl and what it shares with the
  /// daemons, as the `tool` line says.
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

  func testTheCatalogueSaysAServiceUsesTheStoreExactlyWhenItsDaemonCompilesIt() throws {
    let table = try Self.declaredTable()
    for service in Catalog.services {
      let name = String(service.program.dropFirst("in.".count))
      let shared = try XCTUnwrap(table[name], "\(service.program) is not in Package.swift's table")
      XCTAssertEqual(service.usesStore, shared.contains("Store"), service.name)
    }
    XCTAssertEqual(Set(table.keys), Set(Catalog.services.map { String($0.program.dropFirst("in.".count)) }))
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
