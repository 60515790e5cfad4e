#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl {
  enum Import {
    static let command = Command(
      "import",
      abstract: "Load records from a flat file into the store, all or nothing.",
      discussion: """
        Records already in the store unchanged are skipped, so importing a file twice changes \
        nothing; a record that contradicts the store is refused naming FILE:LINE and nothing \
        is imported. FILE is read a line at a time; a line over 65536 bytes is refused naming \
        FILE:LINE. --replace first removes what the format covers (all jabber users; all \
        DNS hosts; the interface's settings and static leases; the interface's leases). \
        in.jabberd.conf's passwords are stored hashed; --legacy also keeps them in the clear \
        (for the digest login and export; see slugctl jabber --help for what that costs).
        """,
      parameters: [
        .db,
        .argument(
          "format", help: "The file format (as for export).", values: FlatFormat.allCases.map { $0.rawValue }),
        .argument("file", help: "The file to read.", completion: .file(extensions: [])),
        .option("iface", value: "if", help: "The DHCP interface the records belong to."),
        .flag("replace", help: "Replace the records this format covers instead of adding to them."),
        .flag("legacy", help: "in.jabberd.conf: mark the imported accounts legacy (their passwords kept in the clear too)."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      guard let format = FlatFormat(rawValue: invocation["format"]) else {
        throw Failure.usage("the value '\(invocation["format"])' is invalid for '<format>'")
      }
      let file = invocation["file"], interface = invocation.optional("iface")
      let replace = invocation.flag("replace"), legacy = invocation.flag("legacy")
      // Every dynamic lease belongs to an interface, even where the file does not say which.
      if (format.needsInterface || format == .dnsmasqLeases) && interface == nil {
        throw Failure.usage("\(format.rawValue) needs --iface")
      }
      if legacy && format != .jabberdConf { throw Failure.usage("--legacy is for in.jabberd.conf only") }

      _ = try FlatFileImport.lines(of: file)
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      let count = try opened.transaction(
        { () throws(Failure) in
          try FlatFileImport(store: opened, format: format, file: file, interface: interface, legacy: legacy)
            .run(replacing: replace)
        }, failure: { $0.failure })
      if format == .jabberdConf && (replace || count.added > 0) { notifyJabberSessions(of: opened) }
      Console.current.print("\(file): \(count.added) added, \(count.skipped) already present")
    }
  }
}
