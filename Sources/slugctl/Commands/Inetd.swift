#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
import Superserver
import Text
#endif

extension Slugctl {
  enum Inetd {
    static let command = Command(
      "inetd",
      abstract: "Configure the super-server that starts the daemons.",
      subcommands: [Generate.command])
  }
}

extension Slugctl.Inetd {
  enum Generate {
    static let command = Command(
      "generate",
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
        """,
      parameters: [
        .db,
        .option(
          "format", value: "format", help: "The super-server to configure.", default: SuperserverFormat.inetd.rawValue,
          values: SuperserverFormat.allCases.map { $0.rawValue }),
        .option(
          "prefix", value: "dir", help: "Where the daemons are installed (they run from PREFIX/sbin).",
          default: GenerateOptions().prefix, completion: .directory),
        .option(
          "bind", value: "addr",
          help: "Listen on this address only, IPv4 or IPv6; repeat for several (default: every address of both families).",
          repeating: true),
        .option("user", value: "u", help: "Run every daemon as this user (default: each its own, slug-www, slug-dns ...)."),
        .option(
          "group", value: "g", help: "The group the daemons that write the store run as (slugctl init gives it the store).",
          default: GenerateOptions().group ?? "slug"),
        .option(
          "port", value: "service=port", help: "Listen on PORT instead of the service's own port.", repeating: true),
        .option("services", value: "list", help: "Only these services, comma-separated (e.g. dns,mvp)."),
        .option(
          "output", short: "o", shortOnly: true, value: "dir", help: "Write the files into this directory.",
          completion: .directory),
        .option(
          "args", value: "service=args",
          help:
            "More arguments for SERVICE's daemon, split on spaces (e.g. proxy='--allow-destination 127.0.0.0/8'); repeatable.",
          repeating: true),
      ],
      run: run)

    private static func parsedArguments(_ extraArguments: [String]) throws(Failure) -> [String: [String]] {
      var result: [String: [String]] = [:]
      for spec in extraArguments {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else {
          throw Failure.usage("--args '\(spec)' is not SERVICE=ARGUMENTS")
        }
        result[parts[0], default: []] += parts[1].split(whereSeparator: { $0.isWhitespace }).map(String.init)
      }
      return result
    }

    private static func serviceList(_ services: String?) -> [String]? {
      services.map { $0.split(separator: ",").map { ASCII.trimmed($0) } }
    }

    private static func parsedPorts(_ ports: [String]) throws(Failure) -> [String: UInt16] {
      var result: [String: UInt16] = [:]
      for spec in ports {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let port = UInt16(parts[1]) else {
          throw Failure.usage("--port '\(spec)' is not SERVICE=PORT with PORT from 1 to 65535")
        }
        result[parts[0]] = port
      }
      return result
    }

    private static func run(_ invocation: Invocation) throws(Failure) {
      let ports = try parsedPorts(invocation.all("port"))
      let extraArguments = try parsedArguments(invocation.all("args"))
      guard let format = SuperserverFormat(rawValue: invocation["format"]) else {
        throw Failure.usage("the value '\(invocation["format"])' is invalid for '--format <format>'")
      }
      let store = invocation.storeOptions
      let options = GenerateOptions(
        prefix: invocation["prefix"], binds: invocation.all("bind"), user: invocation.optional("user"),
        group: invocation["group"], ports: ports, services: serviceList(invocation.optional("services")),
        db: store.path == Store.defaultPath ? nil : store.path, extraArguments: extraArguments)
      let files: [GeneratedFile]
      do throws(GenerateError) {
        files = try generate(format, options)
      } catch {
        throw Failure.usage(error.description)
      }
      if let output = invocation.optional("output") {
        for file in files {
          try attempt { () throws(StoreError) in
            try AtomicFile.write(Array(file.contents.utf8), to: output + "/" + file.name, mode: 0o644)
          }
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
