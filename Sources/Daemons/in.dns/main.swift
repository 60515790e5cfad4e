import CLibc

/// in.dns: the LAN's authoritative name server, started by inetd on the UDP socket (`wait`)
/// or on an accepted TCP connection (`nowait`); the same binary tells them apart by fd 0.
func runNameServer() -> Never {
  let synopsis =
    "[-d] [-i IDLE] [-t TCP_IDLE] [--db PATH] [-f FILE] [--ttl N] [--domain NAME]... [--server-name NAME] [--relay]"
  let options: NameServerOptions
  do throws(UsageError) {
    options = try NameServerOptions(
      try Arguments(flags: ["d", "relay"], options: ["i", "t", "db", "f", "ttl", "domain", "server-name"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  // The socket first: a wrong inetd line is named as such before any data is read.
  guard let socketType = SocketType(of: 0) else {
    log.error("fd 0 is not a socket; run from inetd (dns: dgram udp wait and stream tcp nowait)")
    exit(EX_NOINPUT)
  }
  var source = ZoneSource(options: options)
  let zone: Zone
  do throws(ZoneSourceError) {
    zone = try source.load()
  } catch {
    log.error(error.description)
    exit(error.exitCode)
  }
  let server = NameServer(zone: zone, source: source, relay: options.relay, log: log)
  switch socketType {
  case .datagram: exit(server.serveDatagrams(idleSeconds: options.idleSeconds))
  case .stream: exit(server.serveStream(idleSeconds: options.tcpIdleSeconds))
  }
}

/// The command line, checked: every problem is a usage error (exit 64) before fd 0 is touched.
struct NameServerOptions {
  var program: String
  var debug: Bool
  var idleSeconds: Int
  var tcpIdleSeconds: Int
  var database: String?
  var file: String?
  var ttl: UInt32
  var domains: [String]
  var serverName: String
  var relay: Bool

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    program = arguments.program
    debug = arguments.has("d")
    relay = arguments.has("relay")
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? 30
    tcpIdleSeconds = try arguments.integer("t", in: 0...86400) ?? 10
    // RFC 2181 §8: a TTL is at most 2^31 - 1.
    ttl = UInt32(try arguments.integer("ttl", in: 0...2_147_483_647) ?? 60)
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
      serverName = NameServerOptions.systemHostName()
    }
  }

  /// NAME without its trailing dot, when it is a host name (letters, digits, hyphens, dots).
  static func domainName(_ text: String) -> String? {
    let name = text.hasSuffix(".") ? String(text.dropLast()) : text
    return HostName(name)?.text
  }

  /// The SOA MNAME and NS target when no --server-name is given.
  private static func systemHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
    let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return name.isEmpty ? "localhost" : name
  }
}

runNameServer()
