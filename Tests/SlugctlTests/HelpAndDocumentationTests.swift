import ArgumentParser
import Foundation
import TestSupport
import XCTest

@testable import slugctl

final class HelpAndDocumentationTests: XCTestCase {
  /// The top-level commands as a user types them.
  private var topLevelCommands: [String] {
    Slugctl.configuration.subcommands
      .filter { $0.configuration.shouldDisplay }
      .compactMap { $0.configuration.commandName }
  }

  func testRootHelpMatchesSnapshot() throws {
    try assertSnapshot(Slugctl.helpMessage(columns: 80), named: "root-help.txt")
  }

  func testSubcommandHelpMatchesSnapshots() throws {
    let commands: [(ParsableCommand.Type, String)] = [
      (Slugctl.Init.self, "init-help.txt"),
      (Slugctl.Install.self, "install-help.txt"),
      (Slugctl.Jabber.AddUser.self, "jabber-adduser-help.txt"),
      (Slugctl.DNS.Add.self, "dns-add-help.txt"),
      (Slugctl.DNS.Block.Import.self, "dns-block-import-help.txt"),
      (Slugctl.DNS.Cache.self, "dns-cache-help.txt"),
      (Slugctl.DHCP.Set.self, "dhcp-set-help.txt"),
      (Slugctl.Inetd.Generate.self, "inetd-generate-help.txt"),
      (Slugctl.Import.self, "import-help.txt"),
    ]
    for (command, snapshot) in commands {
      try assertSnapshot(Slugctl.helpMessage(for: command, columns: 80), named: snapshot)
    }
  }

  func testHelpFlagPrintsHelpOnStdoutAndSucceeds() {
    let result = slugctl(["install", "--help"])
    XCTAssertEqual(result.status, 0)
    XCTAssertTrue(result.output.contains("USAGE: slugctl install --prefix <dir>"), result.output)
    XCTAssertEqual(result.error, "")
  }

  func testUsageErrorsExit64WithTheUsageOnStderr() {
    let result = slugctl(["install"])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(result.error.contains("Missing expected argument '--prefix <dir>'"), result.error)
    XCTAssertEqual(slugctl(["no-such-command"]).status, 64)
  }

  func testCompletionScriptsMentionEveryTopLevelCommand() {
    XCTAssertFalse(topLevelCommands.isEmpty)
    for shell in ["bash", "zsh", "fish"] {
      let result = slugctl(["--generate-completion-script", shell])
      XCTAssertEqual(result.status, 0, shell)
      for command in topLevelCommands {
        XCTAssertTrue(result.output.contains(command), "\(shell) completion lacks \(command)")
      }
    }
  }

  func testManualPageListsEveryCommand() throws {
    let page = slugctl(["generate-manual"]).output
    XCTAssertTrue(page.hasPrefix(".TH SLUGCTL 8"), page)
    for path in Self.leafCommandPaths(Slugctl.self, prefix: ["slugctl"]) {
      // man(7) writes a hyphen as \- (export-ca).
      let title = path.joined(separator: " ").replacingOccurrences(of: "-", with: "\\-")
      XCTAssertTrue(page.contains(".SS \"\(title)\""), "man page lacks \(path)")
    }
    XCTAssertFalse(page.contains("generate\\-manual"), "the hidden command is not documented")
  }

  func testManualPageRefersToThePagesInstalledWithIt() {
    let page = slugctl(["generate-manual"]).output
    for (name, section) in [("in.dns", 8), ("torrents.cgi", 8), ("in.dhcp.conf", 5)] {
      XCTAssertTrue(page.contains(".BR \(name) (\(section)),"), "SEE ALSO lacks \(name)(\(section))")
    }
  }

  func testManualPageFormatsWithoutWarnings() throws {
    let directory = try TemporaryDirectory()
    let page = try directory.write(slugctl(["generate-manual"]).output, to: "slugctl.8")
    let groff = try Self.runTool("/usr/bin/groff", ["-man", "-z", "-ww", page])
    XCTAssertEqual(groff.status, 0)
    XCTAssertEqual(groff.error, "", "groff warns")
    let man = try Self.runTool("/usr/bin/man", ["--warnings", "-l", page])
    XCTAssertEqual(man.status, 0)
    XCTAssertEqual(man.error, "", "man warns")
  }

  /// The page is made from ArgumentParser's JSON description of the commands, read by
  /// JSON.parse; a description that is not what it should be is refused, naming what is wrong.
  func testManualPageIsReadFromTheDescriptionAndNamesWhatIsWrongWithOne() throws {
    let dump = #"""
      {"serializationVersion": 0, "command": {"commandName": "tool", "abstract": "Do things.",
        "discussion": "First\n\n.dot para", "subcommands": [{"commandName": "run-it", "abstract": "Run a\\b.",
          "arguments": [{"kind": "option", "shouldDisplay": true, "isOptional": true, "isRepeating": false,
            "names": [{"kind": "long", "name": "db"}], "valueName": "path", "abstract": "The store. "}]}]}}
      """#
    let page = try ManualPage.render(helpDump: dump)
    XCTAssertTrue(page.hasPrefix(".TH TOOL 8"), page)
    XCTAssertTrue(page.contains("\n.SH DESCRIPTION\nFirst\n.PP\n\\&.dot para\n"), page)
    XCTAssertTrue(
      page.contains(
        ".SS \"tool run\\-it\"\n.B tool run\\-it\n[\\fB\\-\\-db\\fR \\fIpath\\fR]\n.PP\nRun a\\eb.\n"
          + ".TP\n\\fB\\-\\-db\\fR \\fIpath\\fR\nThe store.\n"), page)
    let prefix = "cannot read ArgumentParser's description of the commands: "
    XCTAssertThrowsError(try ManualPage.render(helpDump: #"{"command": {"abstract": "x"}}"#)) { error in
      XCTAssertEqual("\(error)", prefix + "\"commandName\" is missing")
    }
    XCTAssertThrowsError(try ManualPage.render(helpDump: #"{"command": {"commandName": 7}}"#)) { error in
      XCTAssertEqual("\(error)", prefix + "\"commandName\" is not what it should be")
    }
    XCTAssertThrowsError(try ManualPage.render(helpDump: #"{"command": ["#)) { error in
      XCTAssertEqual("\(error)", prefix + "JSON line 1, column 14: the text ends where a value should be")
    }
  }

  private static func leafCommandPaths(_ command: ParsableCommand.Type, prefix: [String]) -> [[String]] {
    let children = command.configuration.subcommands.filter { $0.configuration.shouldDisplay }
    if children.isEmpty { return [prefix] }
    return children.flatMap { leafCommandPaths($0, prefix: prefix + [$0.configuration.commandName ?? ""]) }
  }

  private static func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, error: String) {
    guard FileManager.default.isExecutableFile(atPath: path) else {
      struct MissingTool: Error, CustomStringConvertible { var description: String }
      throw MissingTool(description: "\(path) is not installed: apt-get install groff man-db")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin", "MANWIDTH": "80", "LANG": "C.UTF-8"]
    let errorPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    let error = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, error)
  }
}
