/// in.smtp's command line. inetd scrubs the environment, so everything arrives as an argument.
struct RelayOptions: DaemonOptions {
  static let synopsis =
    "[-d] [-n] [--submission] [--tls] [--tls-dir DIR] [--db PATH] [--domain NAME] [-s SENDMAIL] [--hostname NAME] [--allow CIDR]... [--relay-domain DOMAIN]... [--max-size BYTES] [--max-recipients N] [--spool DIR] [-t SECONDS] [--data-timeout SECONDS] [--sendmail-timeout SECONDS] [--max-clients N] [--max-per-source N]"
  static let flags: [String] = ["submission", "tls"]
  static let valueOptions: [String] = [
    "db", "tls-dir", "domain", "s", "t", "hostname", "allow", "relay-domain", "max-size", "max-recipients", "spool", "data-timeout",
    "sendmail-timeout",
  ] + ConnectionCaps.optionNames

  var sendmail: String
  /// nil: gethostname(2), looked up once fd 0 is known to be a connection (Relay.load).
  var hostName: String?
  /// Networks whose clients may relay to any domain: `--allow`, else loopback and the
  /// machine's connected subnets (AllowList).
  var allowed: AllowList
  var relayDomains: [String]
  var maximumMessageSize: Int
  var maximumRecipients: Int
  /// Where a message over 1 MiB is spooled (an O_TMPFILE, never visible by name).
  var spoolDirectory: String
  /// RFC 5321 §4.5.3.2: 5 minutes for a command, 3 minutes for each read of the data.
  var commandSeconds: Int
  var dataSeconds: Int
  /// How long sendmail may take; under the 10 minutes a client waits for the DATA reply.
  var sendmailSeconds: Int
  /// Sessions at once: a household's mail clients send a few at a time; a host holding more
  /// is a loop or an abuser, and a process per session costs memory a small machine lacks.
  var caps: ConnectionCaps
  /// Message submission (RFC 6409, ports 587 and 465): MAIL only after AUTH.
  var submission: Bool
  /// Implicit TLS (RFC 8314, port 465): the handshake comes before the greeting.
  var implicitTLS: Bool
  /// The store whose jabber accounts AUTH checks (read only, opened at the first AUTH).
  var database: String
  /// server.pem and server.key: `--tls-dir`, else `tls` beside the store.
  var tlsDirectory: String
  /// `alice@DOMAIN` logs in as alice: in.jabberd's domain (`--domain`, else the host name).
  var domain: String?

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    sendmail = arguments.value("s") ?? "/usr/sbin/sendmail"
    guard sendmail.hasPrefix("/") else { throw UsageError("-s needs an absolute path, not '\(sendmail)'") }
    hostName = arguments.value("hostname")
    if let name = hostName {
      guard !name.isEmpty, name.utf8.allSatisfy(ASCII.isVisible) else {
        throw UsageError("--hostname needs a host name, not '\(name)'")
      }
    }
    allowed = try AllowList(allowing: arguments.allValues("allow"))
    relayDomains = []
    for domain in arguments.allValues("relay-domain") {
      let trimmed = domain.hasPrefix(".") ? String(domain.dropFirst()) : domain
      guard SMTPAddress.problem(with: Array("x@\(trimmed)".utf8)) == nil else {
        throw UsageError("--relay-domain needs a domain name, not '\(domain)'")
      }
      relayDomains.append(trimmed)
    }
    maximumMessageSize = try arguments.integer("max-size", in: 1024...1_073_741_824) ?? 33_554_432
    maximumRecipients = try arguments.integer("max-recipients", in: 1...10000) ?? 100
    spoolDirectory = arguments.value("spool") ?? "/var/tmp"
    commandSeconds = try arguments.integer("t", in: 1...3600) ?? 300
    dataSeconds = try arguments.integer("data-timeout", in: 1...3600) ?? 180
    sendmailSeconds = try arguments.integer("sendmail-timeout", in: 1...3600) ?? 300
    caps = try ConnectionCaps(arguments, total: 32, perSource: 8)
    submission = arguments.has("submission")
    implicitTLS = arguments.has("tls")
    database = Store.resolvePath(option: arguments.value("db"))
    tlsDirectory = arguments.value("tls-dir") ?? TLSHandoff.defaultDirectory(forStore: database)
    guard tlsDirectory.hasPrefix("/") || arguments.value("tls-dir") == nil else {
      throw UsageError("--tls-dir needs an absolute path, not '\(tlsDirectory)'")
    }
    domain = arguments.value("domain").map { ASCII.lowercased($0) }
    if let domain, SMTPAddress.problem(with: Array("x@\(domain)".utf8)) != nil {
      throw UsageError("--domain needs a domain name, not '\(domain)'")
    }
  }

  func allows(_ peer: SocketAddress?) -> Bool { allowed.allows(peer) }
}
