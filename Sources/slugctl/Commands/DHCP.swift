import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl {
  enum DHCP {
    static let command = Command(
      "dhcp",
      abstract: "Manage in.dhcp: interfaces, static leases, live leases.",
      subcommands: [Static.command, Set.command, Unset.command, Show.command, Leases.command])
  }
}

extension Slugctl.DHCP {
  enum Set {
    static let command = Command(
      "set",
      abstract: "Set a keyword of an interface (creating the interface if new).",
      discussion: """
        KEY is a keyword of the original in.dhcp.conf: pool-start, pool-end, subnet-mask, \
        routers, domain-servers, domain-name, lease-time, ... VALUE replaces the keyword's \
        earlier values.
        """,
      parameters: [
        .db,
        .argument("iface", help: "The interface, e.g. eth0."),
        .argument("key", help: "The in.dhcp.conf keyword."),
        .argument("value", help: "Its values.", repeating: true),
      ],
      run: { invocation throws(Failure) in
        let key = invocation["key"], values = invocation.all("value")
        guard let keyword = DHCPKeyword.named(key) else { throw Failure.dataError("'\(key)' is not a DHCP keyword") }
        if let problem = keyword.problem(with: values) { throw Failure.dataError(problem) }
        let store = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in
          try store.setDHCPSetting(interface: invocation["iface"], DHCPSetting(keyword: keyword.name, values: values))
        }
      })
  }

  enum Unset {
    static let command = Command(
      "unset", abstract: "Remove a keyword from an interface.",
      parameters: [
        .db,
        .argument("iface", help: "The interface."),
        .argument("key", help: "The in.dhcp.conf keyword."),
      ],
      run: { invocation throws(Failure) in
        let key = invocation["key"]
        let keyword = DHCPKeyword.named(key)?.name ?? key
        let store = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in
          try store.removeDHCPSetting(interface: invocation["iface"], keyword: keyword)
        }
      })
  }

  enum Show {
    static let command = Command(
      "show", abstract: "Show an interface's settings, one keyword per line as in in.dhcp.conf.",
      parameters: [.db, .json, .argument("iface", help: "The interface.")],
      run: { invocation throws(Failure) in
        let interface = invocation["iface"]
        let store = try attempt { () throws(StoreError) in try invocation.openStore() }
        guard let found = try attempt({ () throws(StoreError) in try store.dhcpInterface(named: interface) }) else {
          throw StoreError.notFound("no DHCP interface '\(interface)'").failure
        }
        if invocation.json {
          Console.current.print(
            JSON.list(found.settings.map { .object([("keyword", .string($0.keyword)), ("values", .array($0.values.map(JSON.string)))]) }))
        } else {
          Console.current.print(found.settings.map { ([$0.keyword] + $0.values).joined(separator: " ") }.joined(separator: "\n"))
        }
      })
  }

  enum Leases {
    static let command = Command(
      "leases",
      abstract: "List the dynamic leases with their state and remaining time.",
      discussion: "A lease past its expiry time shows as expired, whatever state it was left in.",
      parameters: [.db, .json, .option("iface", value: "iface", help: "Only this interface's leases.")],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let now = Int64(time(nil))
      let store = try attempt { () throws(StoreError) in try invocation.openStore() }
      let leases = try attempt { () throws(StoreError) in try store.leases(interface: invocation.optional("iface")) }
      if invocation.json {
        Console.current.print(JSON.list(leases.map { lease in
          .object([
            ("interface", .string(lease.interface)), ("address", .string(lease.address.description)),
            ("mac", .string(lease.mac.description)), ("hostname", .optional(lease.hostname?.text)),
            ("state", .string(Self.state(of: lease, now: now).rawValue)), ("start", .integer(lease.start)),
            ("expiry", .integer(lease.expiry)), ("remaining", .integer(Self.remaining(of: lease, now: now))),
          ])
        }))
      } else {
        Console.current.print(Table.render(
          header: ["IFACE", "ADDRESS", "MAC", "HOSTNAME", "STATE", "REMAINING"],
          rows: leases.map { lease in
            let remaining = Self.remaining(of: lease, now: now)
            return [
              lease.interface, lease.address.description, lease.mac.description, lease.hostname?.text ?? "-",
              Self.state(of: lease, now: now).rawValue, remaining > 0 ? Self.duration(remaining) : "-",
            ]
          }))
      }
    }

    /// Offered and active leases lapse at their expiry; the store may not have noticed yet.
    static func state(of lease: Lease, now: Int64) -> LeaseState {
      switch lease.state {
      case .offered, .active: lease.expiry <= now ? .expired : lease.state
      default: lease.state
      }
    }

    static func remaining(of lease: Lease, now: Int64) -> Int64 {
      switch state(of: lease, now: now) {
      case .offered, .active: lease.expiry - now
      default: 0
      }
    }

    /// 1d02h03m, 2h05m10s, 45s: the two or three largest units.
    static func duration(_ seconds: Int64) -> String {
      let days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60, rest = seconds % 60
      func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
      if days > 0 { return "\(days)d\(two(hours))h\(two(minutes))m" }
      if hours > 0 { return "\(hours)h\(two(minutes))m\(two(rest))s" }
      if minutes > 0 { return "\(minutes)m\(two(rest))s" }
      return "\(rest)s"
    }
  }
}
