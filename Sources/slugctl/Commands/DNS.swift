#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl {
  enum DNS {
    static let command = Command(
      "dns",
      abstract: "Manage the host names in.dns answers for, its LAN domain, upstream servers, block list and cache.",
      subcommands: [
        Add.command, Remove.command, List.command, Domain.command, Upstream.command, Block.command, Cache.command,
      ])
  }
}

extension Slugctl.DNS {
  enum Add {
    static let command = Command(
      "add",
      abstract: "Give a host name an address.",
      discussion: "A name may have several addresses and an address several names; the first name added for an address answers its reverse (PTR) query.",
      parameters: [
        .db,
        .argument("name", help: "The host name, e.g. nas.home."),
        .argument("address", help: "An IPv4 or IPv6 address."),
      ],
      run: { invocation throws(Failure) in
        let host = DNSHost(name: try parseHostName(invocation["name"]), address: try parseAddress(invocation["address"]))
        try attempt { () throws(StoreError) in try invocation.openStore().addDNSHost(host) }
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Remove a host name, or just one of its addresses.",
      parameters: [
        .db,
        .argument("name", help: "The host name."),
        .argument("address", help: "Remove only this address of the name.", optional: true),
      ],
      run: { invocation throws(Failure) in
        let address = try invocation.optional("address").map(parseAddress)
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        let name = try parseHostName(invocation["name"])
        try attempt { () throws(StoreError) in try opened.removeDNSHost(name: name, address: address) }
      })
  }

  enum List {
    static let command = Command(
      "list", abstract: "List host names and their addresses.", parameters: [.db, .json],
      run: { invocation throws(Failure) in
        let hosts = try attempt { () throws(StoreError) in try invocation.openStore().dnsHosts() }
        if invocation.json {
          Console.current.print(
            JSON.list(hosts.map { .object([("name", .string($0.name.text)), ("address", .string($0.address.description))]) }))
        } else {
          Console.current.print(
            Table.render(header: ["NAME", "ADDRESS"], rows: hosts.map { [$0.name.text, $0.address.description] }))
        }
      })
  }
}
