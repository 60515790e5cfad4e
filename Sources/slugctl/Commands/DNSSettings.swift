#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.DNS {
  enum Domain {
    static let command = Command(
      "domain",
      abstract: "Show or set the LAN domain.",
      discussion: """
        in.dns serves every bare name (DNS hosts, static and dynamic leases) as NAME and \
        NAME.DOMAIN, answers PTR queries with NAME.DOMAIN, and answers the domain's SOA and NS; \
        in.dhcp hands DOMAIN out (option 15) on interfaces that set no domain-name. Without an \
        argument, prints the domain.
        """,
      parameters: [
        .db,
        .argument("name", help: "The domain, e.g. home.arpa or lan.", optional: true),
        .flag("clear", help: "Remove the LAN domain."),
      ],
      run: { invocation throws(Failure) in
        let clear = invocation.flag("clear")
        let name = invocation.optional("name")
        if clear && name != nil { throw Failure.usage("give a domain or --clear, not both") }
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        if clear { return try attempt { () throws(StoreError) in try opened.setDNSDomain(nil) } }
        guard let name else {
          Console.current.print(try attempt { () throws(StoreError) in try opened.dnsDomain() }?.text ?? "none set")
          return
        }
        guard let domain = HostName(name) else { throw Failure.dataError("'\(name)' is not a domain name") }
        try attempt { () throws(StoreError) in try opened.setDNSDomain(domain) }
      })
  }

  enum Upstream {
    static let command = Command(
      "upstream",
      abstract: "Show or set the servers in.dns forwards other names to.",
      discussion: """
        Each server is ADDR (port 53), ADDR:PORT or [IPV6]:PORT; they are asked in the order \
        given. With none set, in.dns asks the nameservers of /etc/resolv.conf, less this \
        machine's own addresses. Without an argument, prints the servers.
        """,
      parameters: [
        .db,
        .argument("addr[:port]", help: "The upstream servers.", optional: true, repeating: true),
        .flag("clear", help: "Remove the servers: /etc/resolv.conf's are used again."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let servers = invocation.all("addr[:port]")
      let clear = invocation.flag("clear")
      if clear && !servers.isEmpty { throw Failure.usage("give servers or --clear, not both") }
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      if clear { return try attempt { () throws(StoreError) in try opened.setDNSUpstreams([]) } }
      guard !servers.isEmpty else {
        let upstreams = try attempt { () throws(StoreError) in try opened.dnsUpstreams() }
        Console.current.print(
          upstreams.isEmpty
            ? "none set: in.dns asks the nameservers of /etc/resolv.conf (less this machine's own addresses)"
            : upstreams.map { $0.description }.joined(separator: "\n"))
        return
      }
      let upstreams = try servers.map { (text) throws(Failure) -> DNSUpstream in
        guard let upstream = DNSUpstream(text) else {
          throw Failure.dataError("'\(text)' is not ADDR, ADDR:PORT or [IPV6]:PORT")
        }
        return upstream
      }
      try attempt { () throws(StoreError) in try opened.setDNSUpstreams(upstreams) }
    }
  }
}
