import CLibc

/// The command lines of in.ctcs's three programs.

/// The control server's.
struct ControlOptions: DaemonOptions {
  static let synopsis =
    "[-d] [-n] [--db PATH] [--password-file FILE] [-t IDLE] [--status-interval SECONDS] [--max-clients N] [--max-per-source N] [DL_KB UL_KB]"
  static let flags: [String] = []
  static let valueOptions: [String] = ["db", "password-file", "t", "status-interval"] + ConnectionCaps.optionNames

  var program: String
  /// -n: the store is checked at once, not when a client names its torrent.
  var checking: Bool
  var storePath: String
  var passwordFile: String?
  /// Seconds without a line from ctorrent (SENDSTATUS is asked for meanwhile) before closing.
  var idleSeconds: Int
  /// How often SENDSTATUS is sent: ctorrent reports nothing by itself when nothing changes.
  var statusSeconds: Int
  /// The line's limits in bytes/s from the two positional KB/s values (the original's
  /// invocation); nil: the store's settings.
  var lineLimits: CTCSLineLimits?
  /// Connections at once: each running torrent's ctorrent holds one, all from this machine,
  /// and each look at the web page one more.
  var caps: ConnectionCaps

  init(_ arguments: Arguments) throws(UsageError) {
    program = arguments.program
    caps = try ConnectionCaps(arguments, total: 64, perSource: 32)
    checking = arguments.has("n")
    storePath = Store.resolvePath(option: arguments.value("db"))
    passwordFile = arguments.value("password-file")
    idleSeconds = try arguments.integer("t", in: 1...86400) ?? 300
    statusSeconds = try arguments.integer("status-interval", in: 1...3600) ?? 10
    switch arguments.operands.count {
    case 0:
      break
    case 2:
      var limits: [Int64] = []
      for text in arguments.operands {
        guard let kilobytes = Int64(text), kilobytes >= 0, kilobytes <= 100_000_000 else {
          throw UsageError("a limit is a whole number of KB/s (0: none), not '\(text)'")
        }
        limits.append(kilobytes * 1024)
      }
      lineLimits = CTCSLineLimits(download: limits[0], upload: limits[1])
    default:
      throw UsageError("give both limits (DL_KB UL_KB) or neither")
    }
  }
}

/// The queue runner's: `--run-queue` chose it.
struct QueueOptions: DaemonOptions {
  static let synopsis = "--run-queue [-d] [--db PATH]"
  static let flags: [String] = ["run-queue"]
  static let valueOptions: [String] = ["db"]

  var storePath: String

  init(_ arguments: Arguments) throws(UsageError) {
    if let extra = arguments.operands.first { throw UsageError("unexpected argument '\(extra)'") }
    storePath = Store.resolvePath(option: arguments.value("db"))
  }
}

/// The web page's relay: `--cgi` or the name torrents.cgi chose it. Operands are ignored: a
/// web server may pass a query's words as arguments (RFC 3875 §4.4). `--db` is accepted and
/// ignored, so a script written for the page that opened the store still works: the relay
/// opens no store.
struct PageOptions: DaemonOptions {
  static let synopsis = "--cgi [--ctcs ADDRESS:PORT]"
  static let flags: [String] = ["cgi"]
  static let valueOptions: [String] = ["ctcs", "db"]
  /// in.ctcs's port on this machine, as `slugctl inetd generate` writes it.
  static let defaultAddress = SocketAddress.ipv4(address: 0x7F00_0001, port: 2780)

  /// Where in.ctcs answers the page.
  var address: SocketAddress

  init(_ arguments: Arguments) throws(UsageError) {
    guard let text = arguments.value("ctcs") else {
      address = PageOptions.defaultAddress
      return
    }
    guard let parsed = PageOptions.address(text) else {
      throw UsageError("--ctcs needs an IPv4 ADDRESS:PORT or [IPv6]:PORT (no host names), not '\(text)'")
    }
    address = parsed
  }

  /// `127.0.0.1:2780` or `[::1]:2780`: literal addresses only, so the page never waits for a
  /// name lookup.
  static func address(_ text: String) -> SocketAddress? {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
      return nil
    }
    let host = text[..<colon]
    if host.hasPrefix("[") && host.hasSuffix("]") {
      var address = in6_addr()
      guard inet_pton(AF_INET6, String(host.dropFirst().dropLast()), &address) == 1 else { return nil }
      return .ipv6(address: withUnsafeBytes(of: address) { Array($0) }, port: port, scopeID: 0)
    }
    return SocketAddress.parseIPv4(String(host)).map { .ipv4(address: $0, port: port) }
  }
}
