import Foundation
import TestSupport
import XCTest

@testable import SlugctlKit

final class HelpAndDocumentationTests: XCTestCase {
  /// The top-level commands as a user types them.
  private var topLevelCommands: [String] { Slugctl.root.visibleSubcommands.map { $0.name } }

  /// The command WORDS name below the root.
  private func command(_ words: String) throws -> Command {
    var command = Slugctl.root
    for word in words.split(separator: " ") {
      command = try XCTUnwrap(command.subcommand(named: String(word)), "no command \(words)")
    }
    return command
  }

  func testRootHelpMatchesSnapshot() throws {
    try assertSnapshot(HelpText.render(path: ["slugctl"], command: Slugctl.root), named: "root-help.txt")
  }

  func testSubcommandHelpMatchesSnapshots() throws {
    let commands = [
      ("init", "init-help.txt"), ("install", "install-help.txt"), ("jabber adduser", "jabber-adduser-help.txt"),
      ("jabber archive", "jabber-archive-help.txt"),
      ("jabber room add", "jabber-room-add-help.txt"), ("jabber room set", "jabber-room-set-help.txt"),
      ("dns add", "dns-add-help.txt"), ("dns block import", "dns-block-import-help.txt"),
      ("dns cache", "dns-cache-help.txt"), ("dhcp set", "dhcp-set-help.txt"),
      ("inetd generate", "inetd-generate-help.txt"), ("import", "import-help.txt"),
    ]
    for (words, snapshot) in commands {
      let path = ["slugctl"] + words.split(separator: " ").map(String.init)
      try assertSnapshot(HelpText.render(path: path, command: command(words)), named: snapshot)
      XCTAssertEqual(slugctl(path.dropFirst() + ["--help"]).output, HelpText.render(path: path, command: try command(words)))
    }
  }

  func testHelpFlagPrintsHelpOnStdoutAndSucceeds() {
    for arguments in [["install", "--help"], ["install", "-h"], ["help", "install"], ["install", "--prefix", "/x", "--help"]] {
      let result = slugctl(arguments)
      XCTAssertEqual(result.status, 0, "\(arguments)")
      XCTAssertTrue(result.output.contains("USAGE: slugctl install --prefix <dir>"), result.output)
      XCTAssertEqual(result.error, "")
    }
    let group = slugctl(["dns"])
    XCTAssertEqual(group.status, 0)
    XCTAssertTrue(group.output.contains("USAGE: slugctl dns <subcommand>"), group.output)
  }

  func testUsageErrorsExit64WithTheUsageOnStderr() {
    let result = slugctl(["install"])
    XCTAssertEqual(result.status, 64)
    XCTAssertTrue(result.error.hasPrefix("slugctl: missing expected argument '--prefix <dir>'\n"), result.error)
    XCTAssertTrue(result.error.contains("Usage: slugctl install --prefix <dir>\n"), result.error)
    for (arguments, message) in [
      (["no-such-command"], "unexpected argument 'no-such-command'"),
      (["dns", "add", "--bogus", "a", "1.2.3.4"], "unknown option '--bogus'"),
      (["dns", "add", "a", "1.2.3.4", "extra"], "unexpected argument 'extra'"),
      (["dns", "add", "a", "1.2.3.4", "--db"], "missing value for '--db <path>'"),
      (["dns", "list", "--json=yes"], "'--json' takes no value"),
      (["inetd", "generate", "--format", "inetd.conf"], "the value 'inetd.conf' is invalid for '--format <format>': give one of inetd, xinetd, systemd"),
      (["torrent", "rm", "x1"], "the value 'x1' is invalid for '<id>'"),
      (["help", "dns", "nothing"], "unknown command 'nothing'"),
      (["--generate-completion-script", "tcsh"], "--generate-completion-script takes one of bash, zsh, fish"),
    ] {
      let result = slugctl(arguments)
      XCTAssertEqual(result.status, 64, "\(arguments)")
      XCTAssertTrue(result.error.hasPrefix("slugctl: " + message + "\n"), "\(arguments): \(result.error)")
    }
  }

  /// Every spelling a value can take, `--` ending the options, a --no- flag, and an option the
  /// help does not show, read back by a command's body.
  func testTheParserReadsEverySpellingOfAValue() throws {
    let tree = Command(
      "tool", abstract: "Test.",
      subcommands: [
        Command(
          "go", abstract: "Go.",
          parameters: [
            .option("name", value: "n", help: "A name.", default: "anon"), .option("bind", value: "a", help: "B.", repeating: true),
            .option("output", short: "o", shortOnly: true, value: "f", help: "O."), .flag("legacy", invertible: true, help: "L."),
            .option("from", value: "d", help: "F.", hidden: true), .argument("word", help: "W."),
            .argument("rest", help: "R.", optional: true, repeating: true),
          ], run: { _ in })
      ])
    func parse(_ arguments: [String]) throws -> Invocation {
      guard case .run(let invocation) = try CommandLineParser.parse(arguments, root: tree) else {
        throw XCTSkip("not a run")
      }
      return invocation
    }
    let full = try parse(["go", "--name=x", "--bind", "a", "--bind=b", "-ofile", "--no-legacy", "--legacy", "--no-legacy",
                          "--from", "/d", "w", "--", "-r", "--name"])
    XCTAssertEqual(full["name"], "x")
    XCTAssertEqual(full.all("bind"), ["a", "b"])
    XCTAssertEqual(full["output"], "file")
    XCTAssertEqual(full.flagState("legacy"), false)
    XCTAssertEqual(full["from"], "/d")
    XCTAssertEqual(full["word"], "w")
    XCTAssertEqual(full.all("rest"), ["-r", "--name"])
    let bare = try parse(["go", "-o", "-", "w"])
    XCTAssertEqual(bare["name"], "anon")
    XCTAssertEqual(bare["output"], "-")
    XCTAssertNil(bare.flagState("legacy"))
    XCTAssertEqual(bare.all("rest"), [])
    let help = HelpText.render(path: ["tool", "go"], command: tree.subcommands[0])
    XCTAssertTrue(help.contains("USAGE: tool go [--name <n>] [--bind <a> ...] [-o <f>] [--legacy] [--no-legacy] <word> [<rest> ...]\n"), help)
    XCTAssertTrue(help.contains("  --legacy/--no-legacy    L.\n"), help)
    XCTAssertTrue(help.contains("(default: anon)"), help)
    XCTAssertFalse(help.contains("--from"), help)
  }

  func testCompletionScriptsMentionEveryTopLevelCommand() {
    XCTAssertFalse(topLevelCommands.isEmpty)
    for shell in ["bash", "zsh", "fish"] {
      let result = slugctl(["--generate-completion-script", shell])
      XCTAssertEqual(result.status, 0, shell)
      for command in topLevelCommands {
        XCTAssertTrue(result.output.contains(command), "\(shell) completion lacks \(command)")
      }
      XCTAssertFalse(result.output.contains("generate-manual"), "\(shell) completes the hidden command")
    }
  }

  /// bash, run on the script: what it offers after each partial command line.
  func testBashCompletesCommandsOptionsAndValues() throws {
    let directory = try TemporaryDirectory()
    let script = try directory.write(slugctl(["--generate-completion-script", "bash"]).output, to: "slugctl.bash")
    _ = try directory.write("", to: "a.torrent")
    _ = try directory.write("", to: "b.txt")
    func offers(_ line: [String]) throws -> [String] {
      let words = line.map { "'\($0)'" }.joined(separator: " ")
      let program = "source \(script); cd \(directory.path); COMP_WORDS=(\(words)); COMP_CWORD=\(line.count - 1); "
        + "COMP_LINE='\(line.joined(separator: " "))'; COMP_POINT=${#COMP_LINE}; _slugctl; printf '%s\\n' \"${COMPREPLY[@]}\""
      let run = try Self.runTool("/bin/bash", ["-c", program])
      XCTAssertEqual(run.error, "", "\(line)")
      return run.output.split(separator: "\n").map(String.init).sorted()
    }
    XCTAssertEqual(try offers(["slugctl", "d"]), ["dhcp", "dns"])
    XCTAssertEqual(try offers(["slugctl", "dns", "block", ""]), ["add", "answer", "import", "list", "rm"])
    XCTAssertEqual(try offers(["slugctl", "inetd", "generate", "--format", ""]), ["inetd", "systemd", "xinetd"])
    XCTAssertEqual(try offers(["slugctl", "dns", "add", "--"]), ["--db", "--help"])
    XCTAssertEqual(try offers(["slugctl", "export", "dns"]), ["dnsmasq-hosts", "dnsmasq-leases"])
    XCTAssertEqual(try offers(["slugctl", "export", "hosts", ""]), [])
    XCTAssertEqual(try offers(["slugctl", "torrent", "add", ""]), ["a.torrent"])
    XCTAssertEqual(try offers(["slugctl", "import", "--db", "x", "hosts", "b"]), ["b.txt"])
    XCTAssertEqual(try offers(["slugctl", "jabber", "passwd", "bob", "--no"]), ["--no-legacy"])
  }

  /// zsh and fish check their scripts' syntax, and fish, which can complete without a
  /// terminal, offers the subcommands.
  func testZshAndFishReadTheirScripts() throws {
    let directory = try TemporaryDirectory()
    for shell in ["zsh", "fish"] {
      let script = try directory.write(slugctl(["--generate-completion-script", shell]).output, to: "slugctl." + shell)
      let check = try Self.runTool("/usr/bin/" + shell, ["-n", script])
      XCTAssertEqual(check.status, 0, shell)
      XCTAssertEqual(check.error, "", shell)
    }
    let fish = try Self.runTool("/usr/bin/fish", ["-c", "source \(directory.path)/slugctl.fish; complete -C 'slugctl dns b'"])
    XCTAssertTrue(fish.output.hasPrefix("block\tManage the names in.dns blocks."), fish.output + fish.error)
    // zsh completes only inside its line editor; with its builtins replaced by ones that print
    // what they are given, the script's function runs on a command line set by hand.
    let stubs = """
      compadd() { local seen=0; for a in "$@"; do if ((seen)); then print -r -- "$a"; elif [[ $a == -- ]]; then seen=1; fi; done }
      _describe() { local -a described; described=("${(@P)2}"); print -rl -- "${described[@]%%:*}" }
      _files() { print -r -- "files $*" }
      _directories() { print directories }
      source \(directory.path)/slugctl.zsh >/dev/null
      """
    for (line, expected) in [
      ("slugctl dns block ''", "add rm list import answer"), ("slugctl inetd generate --format ''", "inetd xinetd systemd"),
      ("slugctl torrent add ''", "files -g *.torrent"), ("slugctl tls init --tls-dir ''", "directories"),
      ("slugctl jabber passwd bob --", "--db --password --password-stdin --legacy --no-legacy -h --help"),
    ] {
      let zsh = try Self.runTool("/usr/bin/zsh", ["-f", "-c", stubs + "\nwords=(\(line)); CURRENT=$#words; _slugctl"])
      XCTAssertEqual(zsh.output.split(separator: "\n").joined(separator: " "), expected, line + zsh.error)
    }
  }

  func testManualPageListsEveryCommand() throws {
    let page = slugctl(["generate-manual"]).output
    XCTAssertTrue(page.hasPrefix(".TH SLUGCTL 8"), page)
    for path in Self.leafCommandPaths(Slugctl.root, prefix: ["slugctl"]) {
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

  /// The page is made from the command tree; text that roff would misread is escaped, and an
  /// option the help hides is not in it.
  func testManualPageIsMadeFromTheCommandTree() throws {
    let tree = Command(
      "tool", abstract: "Do things.", discussion: "First\n\n.dot para",
      subcommands: [
        Command(
          "run-it", abstract: "Run a\\b.",
          parameters: [.option("db", value: "path", help: "The store. "), .option("from", value: "d", help: "F.", hidden: true)],
          run: { _ in })
      ])
    let page = ManualPage.render(root: tree)
    XCTAssertTrue(page.hasPrefix(".TH TOOL 8"), page)
    XCTAssertTrue(page.contains("\n.SH DESCRIPTION\nFirst\n.PP\n\\&.dot para\n"), page)
    XCTAssertTrue(
      page.contains(
        ".SS \"tool run\\-it\"\n.B tool run\\-it\n[\\fB\\-\\-db\\fR \\fIpath\\fR]\n.PP\nRun a\\eb.\n"
          + ".TP\n\\fB\\-\\-db\\fR \\fIpath\\fR\nThe store.\n"), page)
    XCTAssertFalse(page.contains("from"), page)
  }

  private static func leafCommandPaths(_ command: Command, prefix: [String]) -> [[String]] {
    let children = command.visibleSubcommands
    if children.isEmpty { return [prefix] }
    return children.flatMap { leafCommandPaths($0, prefix: prefix + [$0.name]) }
  }

  private static func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    guard FileManager.default.isExecutableFile(atPath: path) else {
      struct MissingTool: Error, CustomStringConvertible { var description: String }
      throw MissingTool(description: "\(path) is not installed: apt-get install groff man-db zsh fish")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin", "MANWIDTH": "80", "LANG": "C.UTF-8"]
    let errorPipe = Pipe()
    let outputPipe = Pipe()
    process.standardError = errorPipe
    process.standardOutput = outputPipe
    try process.run()
    let output = String(decoding: outputPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let error = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output, error)
  }
}
