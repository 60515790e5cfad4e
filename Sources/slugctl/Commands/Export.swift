import ArgumentParser
import Glibc
import Store

extension FlatFormat: ExpressibleByArgument {}

extension Slugctl {
  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "export",
      abstract: "Write records from the store in a flat-file format.",
      discussion: """
        FORMAT is one of in.jabberd.conf, in.dns.conf, in.dhcp.conf, in.dhcp.leases, hosts, \
        ethers, dnsmasq-hosts, dnsmasq-leases; in.dhcp.conf and in.dhcp.leases are per \
        interface and need --iface. With -o the file is replaced atomically (written beside \
        it, synced, renamed); only a regular file is replaced, and a symbolic link, device, \
        FIFO or socket there is refused (exit 73). -o - is standard output. in.jabberd.conf \
        holds passwords, which the store keeps only for accounts marked --legacy: any other \
        account makes the export fail naming it (exit 65), unless --skip-hashed leaves it out.
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The file format.", valueName: "format"))
    var format: FlatFormat
    @Option(name: .customLong("iface"), help: ArgumentHelp("The DHCP interface.", valueName: "if"))
    var interface: String?
    @Option(name: .short, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"), completion: .file())
    var output: String?
    @Flag(name: .customLong("skip-hashed"), help: "in.jabberd.conf: leave out the accounts kept only as hashes.")
    var skipHashed = false

    func validate() throws {
      if format.needsInterface && interface == nil { throw ValidationError("\(format.rawValue) needs --iface") }
    }

    func run() throws {
      let text = try format.export(from: store.openStore(), interface: interface, skippingHashed: skipHashed)
      if let output, output != "-" {
        // The jabber user list holds passwords in the clear.
        let mode: mode_t = format == .jabberdConf ? 0o600 : 0o644
        try AtomicFile.write(Array(text.utf8), to: output, mode: mode)
      } else {
        Console.current.writeOutput(text)
      }
    }
  }
}
