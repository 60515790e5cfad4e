/// in.dns's command line.
struct NameServerOptions: DaemonOptions {
  static let synopsis =
    "[-d] [-n] [-i IDLE] [-t TCP_IDLE] [--db PATH] [-f FILE] [--ttl N] [--domain NAME]... [--server-name NAME] [--no-forward] [--upstream ADDR[:PORT]]... [--resolv-conf FILE]... [--allow CIDR]... [--cache-size BYTES] [--rate-limit N] [--slip N] [--max-clients N] [--max-per-source N]"
  static let flags: [String] = ["no-forward"]
  static let valueOptions: [String] = [
    "i", "t", "db", "f", "ttl", "domain", "server-name", "rate-limit", "slip", "upstream", "resolv-conf", "allow", "cache-size",
  ] + ConnectionCaps.optionNames

  /// UDP: seconds without a query before the process leaves the socket to inetd again.
  var idleSeconds: Int
  var datagramIdleSeconds: Int { idleSeconds }
  /// TCP: seconds a connection may stay quiet.
  var tcpIdleSeconds: Int
  /// TCP connections at once: a resolver falls back to TCP for a truncated answer and a
  /// zone transfer, rarely more than a few at a time.
  var caps: ConnectionCaps
  var database: String?
  /// The original's flat in.dns.conf instead of the store.
  var file: String?
  var ttl: UInt32
  var domains: [String]
  var serverName: String
  /// Names outside every local zone are forwarded (false: REFUSED, authoritative only).
  var forwarding: Bool
  /// The servers given with --upstream, which replace the store's and resolv.conf's.
  var upstreams: [SocketAddress]
  /// Where the system's resolvers are read when neither --upstream nor the store names any:
  /// the first of these files that names a server not our own.
  var resolvConfs: [String]
  /// The default: resolv.conf, then systemd-resolved's list of its own upstream servers (the
  /// resolv.conf of a machine running it names only its stub, 127.0.0.53).
  static let systemResolvConfs = ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"]
  /// --allow: the networks whose clients may ask for outside names; empty: loopback and the
  /// machine's own subnets (AllowList).
  var allowed: [String]
  /// The size of the cache shared by the store's in.dns processes; 0: none.
  var cacheBytes: Int
  /// UDP replies a second per client netblock and question before they are dropped (RRL); 0: no limit.
  var rateLimit: UInt32
  /// Every this-many dropped replies one goes out truncated; 0: none.
  var slip: UInt32

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    forwarding = !arguments.has("no-forward")
    upstreams = []
    for text in arguments.allValues("upstream") {
      guard let server = Upstreams.server(text) else {
        throw UsageError("--upstream needs ADDR, ADDR:PORT or [IPV6]:PORT, not '\(text)'")
      }
      upstreams.append(server)
    }
    let given = arguments.allValues("resolv-conf")
    resolvConfs = given.isEmpty ? NameServerOptions.systemResolvConfs : given
    allowed = arguments.allValues("allow")
    cacheBytes = try arguments.integer("cache-size", in: 0...DNSCache.sizes.upperBound) ?? DNSCache.defaultBytes
    guard cacheBytes == 0 || DNSCache.sizes.contains(cacheBytes) else {
      throw UsageError("--cache-size is 0 (no cache) or \(DNSCache.sizes.lowerBound) to \(DNSCache.sizes.upperBound) bytes")
    }
    // Checked now, built when an outside name is first asked (it reads the interfaces).
    _ = try AllowList(allowing: allowed, networks: LocalNetworks(addresses: [], networks: []))
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? Daemon.defaultDatagramIdleSeconds
    tcpIdleSeconds = try arguments.integer("t", in: 0...86400) ?? 10
    caps = try ConnectionCaps(arguments, total: 32, perSource: 8)
    // RFC 2181 §8: a TTL is at most 2^31 - 1.
    ttl = UInt32(try arguments.integer("ttl", in: 0...2_147_483_647) ?? 60)
    // nsd's defaults: rrl-ratelimit 200, rrl-slip 2.
    rateLimit = UInt32(try arguments.integer("rate-limit", in: 0...1_000_000) ?? 200)
    slip = UInt32(try arguments.integer("slip", in: 0...100) ?? 2)
    database = arguments.value("db")
    file = arguments.value("f")
    if database != nil, file != nil { throw UsageError("--db and -f are alternatives; give one") }
    domains = []
    for text in arguments.allValues("domain") {
      guard let domain = NameServerOptions.domainName(text) else {
        throw UsageError("--domain needs a domain name, not '\(text)'")
      }
      domains.append(domain)
    }
    if let text = arguments.value("server-name") {
      guard let name = NameServerOptions.domainName(text) else {
        throw UsageError("--server-name needs a domain name, not '\(text)'")
      }
      serverName = name
    } else {
      // The SOA MNAME and NS target.
      serverName = Interfaces.hostName()
    }
  }

  /// NAME without its trailing dot, when it is a host name (letters, digits, hyphens, dots).
  static func domainName(_ text: String) -> String? {
    let name = text.hasSuffix(".") ? String(text.dropLast()) : text
    return HostName(name)?.text
  }
}
