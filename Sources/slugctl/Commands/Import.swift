import ArgumentParser
import Store

extension Slugctl {
  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "import",
      abstract: "Load records from a flat file into the store, all or nothing.",
      discussion: """
        Records already in the store unchanged are skipped, so importing a file twice changes \
        nothing; a record that contradicts the store is refused naming FILE:LINE and nothing \
        is imported. FILE is read a line at a time; a line over 65536 bytes is refused naming \
        FILE:LINE. --replace first removes what the format covers (all jabber users; all \
        DNS hosts; the interface's settings and static leases; the interface's leases). \
        in.jabberd.conf's passwords are stored hashed; --legacy also keeps them in the clear \
        (for the digest login and export; see slugctl jabber --help for what that costs).
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The file format (as for export).", valueName: "format"))
    var format: FlatFormat
    @Argument(help: ArgumentHelp("The file to read.", valueName: "file"), completion: .file())
    var file: String
    @Option(name: .customLong("iface"), help: ArgumentHelp("The DHCP interface the records belong to.", valueName: "if"))
    var interface: String?
    @Flag(help: "Replace the records this format covers instead of adding to them.")
    var replace = false
    @Flag(help: "in.jabberd.conf: mark the imported accounts legacy (their passwords kept in the clear too).")
    var legacy = false

    func validate() throws {
      // Every dynamic lease belongs to an interface, even where the file does not say which.
      if (format.needsInterface || format == .dnsmasqLeases) && interface == nil {
        throw ValidationError("\(format.rawValue) needs --iface")
      }
      if legacy && format != .jabberdConf { throw ValidationError("--legacy is for in.jabberd.conf only") }
    }

    func run() throws {
      _ = try FlatFileImport.lines(of: file)
      let opened = try store.openStore()
      let count = try opened.transaction {
        try FlatFileImport(store: opened, format: format, file: file, interface: interface, legacy: legacy)
          .run(replacing: replace)
      }
      if format == .jabberdConf && (replace || count.added > 0) { notifyJabberSessions(of: opened) }
      Console.current.print("\(file): \(count.added) added, \(count.skipped) already present")
    }
  }
}
