import ArgumentParser
import Store

extension Slugctl {
  struct DNS: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "dns",
      abstract: "Manage the host names in.dns answers for, its LAN domain, upstream servers, block list and cache.",
      subcommands: [Add.self, Remove.self, List.self, Domain.self, Upstream.self, Block.self, Cache.self])
  }
}

extension Slugctl.DNS {
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Give a host name an address.",
      discussion: "A name may have several addresses and an address several names; the first name added for an address answers its reverse (PTR) query.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The host name, e.g. nas.home.", valueName: "name"))
    var name: String
    @Argument(help: ArgumentHelp("An IPv4 or IPv6 address.", valueName: "address"))
    var address: String

    func run() throws {
      let host = DNSHost(name: try parseHostName(name), address: try parseAddress(address))
      try store.openStore().addDNSHost(host)
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "rm", abstract: "Remove a host name, or just one of its addresses.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The host name.", valueName: "name"))
    var name: String
    @Argument(help: ArgumentHelp("Remove only this address of the name.", valueName: "address"))
    var address: String?

    func run() throws {
      let address = try self.address.map(parseAddress)
      try store.openStore().removeDNSHost(name: try parseHostName(name), address: address)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List host names and their addresses.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      let hosts = try store.openStore().dnsHosts()
      if output.json {
        Console.current.print(
          JSON.list(hosts.map { .object([("name", .string($0.name.text)), ("address", .string($0.address.description))]) }))
      } else {
        Console.current.print(
          Table.render(header: ["NAME", "ADDRESS"], rows: hosts.map { [$0.name.text, $0.address.description] }))
      }
    }
  }
}
