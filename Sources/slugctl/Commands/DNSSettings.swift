import ArgumentParser
import Store

extension Slugctl.DNS {
  struct Domain: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "domain",
      abstract: "Show or set the LAN domain.",
      discussion: """
        in.dns serves every bare name (DNS hosts, static and dynamic leases) as NAME and \
        NAME.DOMAIN, answers PTR queries with NAME.DOMAIN, and answers the domain's SOA and NS; \
        in.dhcp hands DOMAIN out (option 15) on interfaces that set no domain-name. Without an \
        argument, prints the domain.
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The domain, e.g. home.arpa or lan.", valueName: "name"))
    var name: String?
    @Flag(help: "Remove the LAN domain.") var clear = false

    func validate() throws {
      if clear && name != nil { throw ValidationError("give a domain or --clear, not both") }
    }

    func run() throws {
      let opened = try store.openStore()
      if clear { return try opened.setDNSDomain(nil) }
      guard let name else {
        Console.current.print(try opened.dnsDomain()?.text ?? "none set")
        return
      }
      guard let domain = HostName(name) else { throw Failure.dataError("'\(name)' is not a domain name") }
      try opened.setDNSDomain(domain)
    }
  }

  struct Upstream: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "upstream",
      abstract: "Show or set the servers in.dns forwards other names to.",
      discussion: """
        Each server is ADDR (port 53), ADDR:PORT or [IPV6]:PORT; they are asked in the order \
        given. With none set, in.dns asks the nameservers of /etc/resolv.conf, less this \
        machine's own addresses. Without an argument, prints the servers.
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The upstream servers.", valueName: "addr[:port]"))
    var servers: [String] = []
    @Flag(help: "Remove the servers: /etc/resolv.conf's are used again.") var clear = false

    func validate() throws {
      if clear && !servers.isEmpty { throw ValidationError("give servers or --clear, not both") }
    }

    func run() throws {
      let opened = try store.openStore()
      if clear { return try opened.setDNSUpstreams([]) }
      guard !servers.isEmpty else {
        let upstreams = try opened.dnsUpstreams()
        Console.current.print(
          upstreams.isEmpty
            ? "none set: in.dns asks the nameservers of /etc/resolv.conf (less this machine's own addresses)"
            : upstreams.map(\.description).joined(separator: "\n"))
        return
      }
      let upstreams = try servers.map { text in
        guard let upstream = DNSUpstream(text) else {
          throw Failure.dataError("'\(text)' is not ADDR, ADDR:PORT or [IPV6]:PORT")
        }
        return upstream
      }
      try opened.setDNSUpstreams(upstreams)
    }
  }
}
