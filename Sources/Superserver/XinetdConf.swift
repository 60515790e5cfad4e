/// One xinetd.d file per service. One setting per line and no trailing comments: xinetd
/// keeps a `#` after a value as part of the value.
enum XinetdConf {
  /// A stanza per socket, and per bind address (xinetd binds one address a stanza). Without a
  /// bind address `flags = IPv6` gives one dual-stack socket (tested: IPv6-only only when
  /// bound to an IPv6 address), whose IPv4 clients arrive as `::ffff:a.b.c.d`; an IPv4-only
  /// protocol keeps `flags = IPv4`.
  static func render(_ entry: ServiceEntry) -> GeneratedFile {
    let places: [BindAddress?] = entry.binds.isEmpty ? [nil] : entry.binds.map { Optional($0) }
    var stanzas: [String] = []
    for socket in entry.service.sockets {
      for bind in places { stanzas.append(stanza(entry, socket, bind)) }
    }
    return GeneratedFile(name: "slug-\(entry.service.name)", contents: stanzas.joined(separator: "\n"))
  }

  private static func stanza(_ entry: ServiceEntry, _ socket: SocketKind, _ bind: BindAddress?) -> String {
    var settings = [("type", "UNLISTED")]
    if entry.service.sockets.count > 1 || entry.binds.count > 1 {
      settings.append(("id", entry.identifier(socket, bind: bind)))
    }
    settings.append(("port", String(entry.port)))
    if let bind { settings.append(("bind", bind.text)) }
    switch socket {
    case .udp: settings += [("socket_type", "dgram"), ("protocol", "udp"), ("wait", "yes")]
    case .tcp: settings += [("socket_type", "stream"), ("protocol", "tcp"), ("wait", "no")]
    case .tcpListener: settings += [("socket_type", "stream"), ("protocol", "tcp"), ("wait", "yes")]
    }
    settings += limits(socket)
    settings.append(("user", entry.user))
    if let group = entry.group { settings.append(("group", group)) }
    if Sandbox.of(entry.service).supplementaryGroups { settings.append(("groups", "yes")) }
    settings.append(("server", entry.programPath))
    if !entry.arguments.isEmpty { settings.append(("server_args", entry.arguments.joined(separator: " "))) }
    let ipv4 = bind.map { $0.family == .ipv4 } ?? entry.service.ipv4Only
    settings.append(("flags", ipv4 ? "IPv4" : "IPv6"))
    let body = settings.map { "\t\($0.0) = \($0.1)" }.joined(separator: "\n")
    return "service slug-\(entry.service.name)\n{\n\(body)\n}\n"
  }

  /// How many servers may run at once, in all and for one client address, and how fast they
  /// may start. These are a backstop, set above the daemons' own caps (at most 128 in all and
  /// 64 from one address, see their `--max-clients` and `--max-per-source`), which refuse in
  /// the protocol and log the client, where xinetd only resets; and xinetd counts a server
  /// until it has reaped it, so servers still exiting count too (with `ab -c 20` on in.www
  /// they pushed the count past 32 on a busy machine). xinetd's default `cps = 50 10` turns
  /// the service off for 10 s past 50 connections a second, which one busy page reaches: the
  /// rate is set far above what a small machine can spawn. A `wait` service
  /// runs one server, which serves every client until it is idle (a datagram service,
  /// in.proxy's listener): one instance, and no limit by source, which would count only
  /// whoever woke it (and DHCP clients all come from 0.0.0.0).
  static func limits(_ socket: SocketKind) -> [(String, String)] {
    switch socket {
    case .tcp: [("instances", "512"), ("per_source", "128"), ("cps", "100000 1")]
    case .udp, .tcpListener: [("instances", "1"), ("per_source", "UNLIMITED")]
    }
  }
}
