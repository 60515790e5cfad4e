import ArgumentParser
import Store

extension Slugctl.DHCP {
  struct Static: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "static",
      abstract: "Manage fixed addresses for known clients.",
      subcommands: [Add.self, Remove.self, List.self])
  }
}

extension Slugctl.DHCP.Static {
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Give a client (by MAC) a fixed address.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The client's MAC address, e.g. 00:11:22:33:44:55.", valueName: "mac"))
    var mac: String
    @Argument(help: ArgumentHelp("The IPv4 address it always gets.", valueName: "address"))
    var address: String
    @Option(help: ArgumentHelp("The host name handed to the client.", valueName: "h"))
    var hostname: String?
    @Option(name: .customLong("iface"), help: ArgumentHelp("Only on this interface (default: every interface).", valueName: "if"))
    var interface: String?

    func run() throws {
      let lease = StaticLease(
        mac: try parseMACAddress(mac), address: try parseIPv4Address(address),
        hostname: try hostname.map(parseHostName), interface: interface)
      try store.openStore().addStaticLease(lease)
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a client's fixed address.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The client's MAC address.", valueName: "mac"))
    var mac: String
    @Option(name: .customLong("iface"), help: ArgumentHelp("The interface the lease was added for.", valueName: "if"))
    var interface: String?

    func run() throws {
      try store.openStore().removeStaticLease(mac: try parseMACAddress(mac), interface: interface)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the fixed addresses.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("iface"), help: ArgumentHelp("Only this interface's leases.", valueName: "if"))
    var interface: String?

    func run() throws {
      let leases = try store.openStore().staticLeases(interface: interface)
      if output.json {
        Console.current.print(JSON.list(leases.map { lease in
          .object([
            ("mac", .string(lease.mac.description)), ("address", .string(lease.address.description)),
            ("hostname", .optional(lease.hostname?.text)), ("interface", .optional(lease.interface)),
          ])
        }))
      } else {
        Console.current.print(Table.render(
          header: ["MAC", "ADDRESS", "HOSTNAME", "IFACE"],
          rows: leases.map { [$0.mac.description, $0.address.description, $0.hostname?.text ?? "-", $0.interface ?? "*"] }))
      }
    }
  }
}
