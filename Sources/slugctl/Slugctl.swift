import ArgumentParser
import Glibc
import Store

/// The slug admin command: users, hosts, leases, torrents, super-server configuration,
/// import/export and install, all on the one SQLite store the daemons read.
@main
struct Slugctl: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "slugctl",
    abstract: "Administer slug, the tiny network services for a home LAN.",
    discussion: """
      Every command works on one SQLite store shared with the daemons: --db PATH if given \
      (before the command or after it), else $SLUG_DB, else /var/lib/slug/slug.db. Exit codes follow sysexits: 64 usage, \
      65 bad data, 66 no input, 73 cannot create, 74 I/O error, 75 store busy.
      """,
    subcommands: [
      Init.self, Jabber.self, DNS.self, DHCP.self, Torrent.self, Inetd.self, TLS.self, Export.self, Import.self,
      Install.self, GenerateManual.self,
    ])

  static func main() {
    Glibc.exit(run(Array(CommandLine.arguments.dropFirst())))
  }

  /// Parses and runs one command line, printing on `console`; returns the exit status.
  static func run(_ arguments: [String], console: Console = .standard) -> Int32 {
    Console.$current.withValue(console) {
      do {
        var command = try parseAsRoot(placingGlobalOptions(arguments))
        try command.run()
        return 0
      } catch let failure as Failure {
        console.printError("slugctl: \(failure.message)")
        return failure.exitCode
      } catch let error as StoreError {
        console.printError("slugctl: \(error)")
        return error.exitCode
      } catch let error as FormatError {
        console.printError("slugctl: \(error)")
        return 65  // EX_DATAERR: the file, not the command line, is wrong
      } catch {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
          if !message.isEmpty { console.print(message) }
        } else {
          if !message.isEmpty { console.printError(message) }
        }
        return code.rawValue
      }
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
