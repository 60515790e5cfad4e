import ArgumentParser
import Store
import Superserver
import Text

extension SuperserverFormat: ExpressibleByArgument {}

extension Slugctl {
  struct Inetd: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "inetd",
      abstract: "Configure the super-server that starts the daemons.",
      subcommands: [Generate.self])
  }
}

extension Slugctl.Inetd {
  struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "generate",
      abstract: "Print ready-to-use super-server configuration for the slug daemons.",
      discussion: """
        inetd prints inetd.conf lines, xinetd one stanza per service, systemd a .socket and a \
        @.service unit per service. With -o DIR each file is written into DIR; otherwise \
        several files are printed one after another, each under a '# FILE' header. \
        Every service listens on IPv4 and IPv6 but DHCP, which is IPv4 alone. \
        Each daemon runs as its own user (slug-www ... slug-mvp, which slugctl init creates); \
        those that write the store (in.jabberd, in.ctcs, in.dhcp) with the group --group, and \
        in.dns, which only reads it, without (its user reads the store alone). --user runs \
        every daemon as one user instead, and then in.dns gets the group too. The systemd \
        units are sandboxed (no privileges, a read-only system, write access only to the \
        store's directory for the daemons that write it).
        """)

    @OptionGroup var store: StoreOptions
    @Option(help: "The super-server to configure.")
    var format: SuperserverFormat = .inetd
    @Option(help: ArgumentHelp("Where the daemons are installed (they run from PREFIX/sbin).", valueName: "dir"), completion: .directory)
    var prefix: String = GenerateOptions().prefix
    @Option(
      name: .customLong("bind"),
      help: ArgumentHelp(
        "Listen on this address only, IPv4 or IPv6; repeat for several (default: every address of both families).",
        valueName: "addr"))
    var binds: [String] = []
    @Option(help: ArgumentHelp("Run every daemon as this user (default: each its own, slug-www, slug-dns ...).", valueName: "u"))
    var user: String?
    @Option(help: ArgumentHelp("The group the daemons that write the store run as (slugctl init gives it the store).", valueName: "g"))
    var group: String = GenerateOptions().group ?? "slug"
    @Option(name: .customLong("port"), help: ArgumentHelp("Listen on PORT instead of the service's own port.", valueName: "service=port"))
    var ports: [String] = []
    @Option(help: ArgumentHelp("Only these services, comma-separated (e.g. dns,mvp).", valueName: "list"))
    var services: String?
    @Option(name: .short, help: ArgumentHelp("Write the files into this directory.", valueName: "dir"), completion: .directory)
    var output: String?
    @Option(
      name: .customLong("args"),
      help: ArgumentHelp(
        "More arguments for SERVICE's daemon, split on spaces (e.g. proxy='--allow-destination 127.0.0.0/8'); repeatable.",
        valueName: "service=args"))
    var extraArguments: [String] = []

    func validate() throws {
      _ = try parsedPorts()
      _ = try parsedArguments()
    }

    private func parsedArguments() throws -> [String: [String]] {
      var result: [String: [String]] = [:]
      for spec in extraArguments {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
          throw ValidationError("--args '\(spec)' is not SERVICE=ARGUMENTS")
        }
        result[parts[0], default: []] += parts[1].split(whereSeparator: \.isWhitespace).map(String.init)
      }
      return result
    }

    private var serviceList: [String]? {
      services.map { $0.split(separator: ",").map { ASCII.trimmed($0) } }
    }

    private func parsedPorts() throws -> [String: UInt16] {
      var result: [String: UInt16] = [:]
      for spec in ports {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let port = UInt16(parts[1]) else {
          throw ValidationError("--port '\(spec)' is not SERVICE=PORT with PORT from 1 to 65535")
        }
        result[parts[0]] = port
      }
      return result
    }

    func run() throws {
      let options = GenerateOptions(
        prefix: prefix, binds: binds, user: user, group: group, ports: try parsedPorts(), services: serviceList,
        db: store.path == Store.defaultPath ? nil : store.path, extraArguments: try parsedArguments())
      let files: [GeneratedFile]
      do {
        files = try generate(format, options)
      } catch {
        throw Failure.usage(error.description)
      }
      if let output {
        for file in files {
          try AtomicFile.write(Array(file.contents.utf8), to: output + "/" + file.name, mode: 0o644)
          Console.current.print(output + "/" + file.name)
        }
      } else if files.count == 1 {
        Console.current.writeOutput(files[0].contents)
      } else {
        Console.current.writeOutput(files.map { "# \($0.name)\n" + $0.contents }.joined(separator: "\n"))
      }
    }
  }
}
