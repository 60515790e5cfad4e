import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl {
  enum Export {
    static let command = Command(
      "export",
      abstract: "Write records from the store in a flat-file format.",
      discussion: """
        FORMAT is one of in.jabberd.conf, in.dns.conf, in.dhcp.conf, in.dhcp.leases, hosts, \
        ethers, dnsmasq-hosts, dnsmasq-leases; in.dhcp.conf and in.dhcp.leases are per \
        interface and need --iface. With -o the file is replaced atomically (written beside \
        it, synced, renamed); only a regular file is replaced, and a symbolic link, device, \
        FIFO or socket there is refused (exit 73). -o - is standard output. in.jabberd.conf \
        holds passwords, which the store keeps only for accounts marked --legacy: any other \
        account makes the export fail naming it (exit 65), unless --skip-hashed leaves it out.
        """,
      parameters: [
        .db,
        .argument("format", help: "The file format.", values: FlatFormat.allCases.map { $0.rawValue }),
        .option("iface", value: "if", help: "The DHCP interface."),
        .option(
          "output", short: "o", shortOnly: true, value: "file", help: "Write to this file instead of stdout.",
          completion: .file(extensions: [])),
        .flag("skip-hashed", help: "in.jabberd.conf: leave out the accounts kept only as hashes."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      guard let format = FlatFormat(rawValue: invocation["format"]) else {
        throw Failure.usage("the value '\(invocation["format"])' is invalid for '<format>'")
      }
      let interface = invocation.optional("iface")
      if format.needsInterface && interface == nil { throw Failure.usage("\(format.rawValue) needs --iface") }
      let store = try attempt { () throws(StoreError) in try invocation.openStore() }
      let text = try format.export(from: store, interface: interface, skippingHashed: invocation.flag("skip-hashed"))
      if let output = invocation.optional("output"), output != "-" {
        // The jabber user list holds passwords in the clear.
        let mode: mode_t = format == .jabberdConf ? 0o600 : 0o644
        try attempt { () throws(StoreError) in try AtomicFile.write(Array(text.utf8), to: output, mode: mode) }
      } else {
        Console.current.writeOutput(text)
      }
    }
  }
}
