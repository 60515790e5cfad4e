#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.DHCP {
  enum Static {
    static let command = Command(
      "static",
      abstract: "Manage fixed addresses for known clients.",
      subcommands: [Add.command, Remove.command, List.command])
  }
}

extension Slugctl.DHCP.Static {
  enum Add {
    static let command = Command(
      "add", abstract: "Give a client (by MAC) a fixed address.",
      parameters: [
        .db,
        .argument("mac", help: "The client's MAC address, e.g. 00:11:22:33:44:55."),
        .argument("address", help: "The IPv4 address it always gets."),
        .option("hostname", value: "h", help: "The host name handed to the client."),
        .option("iface", value: "if", help: "Only on this interface (default: every interface)."),
      ],
      run: { invocation throws(Failure) in
        let lease = StaticLease(
          mac: try parseMACAddress(invocation["mac"]), address: try parseIPv4Address(invocation["address"]),
          hostname: try invocation.optional("hostname").map(parseHostName), interface: invocation.optional("iface"))
        let store = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in try store.addStaticLease(lease) }
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Remove a client's fixed address.",
      parameters: [
        .db,
        .argument("mac", help: "The client's MAC address."),
        .option("iface", value: "if", help: "The interface the lease was added for."),
      ],
      run: { invocation throws(Failure) in
        let store = try attempt { () throws(StoreError) in try invocation.openStore() }
        let mac = try parseMACAddress(invocation["mac"])
        try attempt { () throws(StoreError) in
          try store.removeStaticLease(mac: mac, interface: invocation.optional("iface"))
        }
      })
  }

  enum List {
    static let command = Command(
      "list", abstract: "List the fixed addresses.",
      parameters: [.db, .json, .option("iface", value: "if", help: "Only this interface's leases.")],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let store = try attempt { () throws(StoreError) in try invocation.openStore() }
      let leases = try attempt { () throws(StoreError) in
        try store.staticLeases(interface: invocation.optional("iface"))
      }
      if invocation.json {
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
