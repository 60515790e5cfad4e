import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

/// The slug admin command: users, hosts, leases, torrents, super-server configuration,
/// import/export and install, all on the one SQLite store the daemons read. The program
/// (Sources/Tools/slugctl/main.swift) calls `run` with its arguments.
enum Slugctl {
  static let root = Command(
    "slugctl",
    abstract: "Administer slug, the tiny network services for a home LAN.",
    discussion: """
      Every command works on one SQLite store shared with the daemons: --db PATH if given \
      (before the command or after it), else $SLUG_DB, else /var/lib/slug/slug.db. Exit codes follow sysexits: 64 usage, \
      65 bad data, 66 no input, 73 cannot create, 74 I/O error, 75 store busy.
      """,
    subcommands: [
      Init.command, Jabber.command, DNS.command, DHCP.command, Torrent.command, Inetd.command, TLS.command,
      Export.command, Import.command, Install.command, GenerateManual.command,
    ])

  /// Parses and runs one command line, printing on `console`; returns the exit status.
  static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
    let previous = Console.current
    Console.current = console
    defer { Console.current = previous }
    let parsed: ParsedCommandLine
    do throws(CommandLineError) {
      parsed = try CommandLineParser.parse(placingGlobalOptions(arguments), root: root)
    } catch {
      console.printError("slugctl: \(error.message)\n" + HelpText.usageReminder(path: error.path, command: error.command))
      return 64  // EX_USAGE
    }
    switch parsed {
    case .help(let path, let command):
      console.print(HelpText.render(path: path, command: command))
      return 0
    case .completionScript(let shell):
      console.writeOutput(CompletionScript.render(shell: shell, root: root))
      return 0
    case .run(let invocation):
      return execute(invocation, console: console)
    }
  }

  private static func execute(_ invocation: Invocation, console: Console) -> Int32 {
    guard let body = invocation.command.body else { return 70 }
    do throws(Failure) {
      try body(invocation)
      return 0
    } catch {
      var message = "slugctl: " + error.message
      if error.exitCode == 64 {  // the command line is wrong: show how it should look
        message += "\n" + HelpText.usageReminder(path: invocation.path, command: invocation.command)
      }
      console.printError(message)
      return error.exitCode
    }
  }

  /// The options every command that has them takes (--db PATH, --db=PATH, --json), given
  /// before the command words (`slugctl --db X dhcp leases`), moved after them, where the
  /// command's own parser reads them (before a `--`, after which all is operands).
  static func placingGlobalOptions(_ arguments: [String]) -> [String] {
    var leading: [String] = []
    var rest = arguments[...]
    while let first = rest.first {
      if first == "--db", rest.count >= 2 {
        leading += rest.prefix(2)
        rest = rest.dropFirst(2)
      } else if first.hasPrefix("--db=") || first == "--json" {
        leading.append(first)
        rest = rest.dropFirst()
      } else {
        break
      }
    }
    guard !leading.isEmpty else { return arguments }
    var moved = Array(rest)
    moved.insert(contentsOf: leading, at: moved.firstIndex(of: "--") ?? moved.endIndex)
    return moved
  }
}
