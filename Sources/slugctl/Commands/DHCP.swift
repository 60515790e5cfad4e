import ArgumentParser
import Glibc
import Store

extension Slugctl {
  struct DHCP: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "dhcp",
      abstract: "Manage in.dhcp: interfaces, static leases, live leases.",
      subcommands: [Static.self, Set.self, Unset.self, Show.self, Leases.self])
  }
}

extension Slugctl.DHCP {
  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "set",
      abstract: "Set a keyword of an interface (creating the interface if new).",
      discussion: """
        KEY is a keyword of the original in.dhcp.conf: pool-start, pool-end, subnet-mask, \
        routers, domain-servers, domain-name, lease-time, ... VALUE replaces the keyword's \
        earlier values.
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The interface, e.g. eth0.", valueName: "iface"))
    var interface: String
    @Argument(help: ArgumentHelp("The in.dhcp.conf keyword.", valueName: "key"))
    var key: String
    @Argument(help: ArgumentHelp("Its values.", valueName: "value"))
    var values: [String]

    func run() throws {
      guard let keyword = DHCPKeyword.named(key) else { throw Failure.dataError("'\(key)' is not a DHCP keyword") }
      if let problem = keyword.problem(with: values) { throw Failure.dataError(problem) }
      try store.openStore().setDHCPSetting(interface: interface, DHCPSetting(keyword: keyword.name, values: values))
    }
  }

  struct Unset: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unset", abstract: "Remove a keyword from an interface.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The interface.", valueName: "iface"))
    var interface: String
    @Argument(help: ArgumentHelp("The in.dhcp.conf keyword.", valueName: "key"))
    var key: String

    func run() throws {
      let keyword = DHCPKeyword.named(key)?.name ?? key
      try store.openStore().removeDHCPSetting(interface: interface, keyword: keyword)
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "show", abstract: "Show an interface's settings, one keyword per line as in in.dhcp.conf.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: ArgumentHelp("The interface.", valueName: "iface"))
    var interface: String

    func run() throws {
      guard let found = try store.openStore().dhcpInterface(named: interface) else {
        throw StoreError.notFound("no DHCP interface '\(interface)'")
      }
      if output.json {
        Console.current.print(
          JSON.list(found.settings.map { .object([("keyword", .string($0.keyword)), ("values", .array($0.values.map(JSON.string)))]) }))
      } else {
        Console.current.print(found.settings.map { ([$0.keyword] + $0.values).joined(separator: " ") }.joined(separator: "\n"))
      }
    }
  }

  struct Leases: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "leases",
      abstract: "List the dynamic leases with their state and remaining time.",
      discussion: "A lease past its expiry time shows as expired, whatever state it was left in.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .customLong("iface"), help: ArgumentHelp("Only this interface's leases.", valueName: "iface"))
    var interface: String?

    func run() throws {
      let now = Int64(time(nil))
      let leases = try store.openStore().leases(interface: interface)
      if output.json {
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
