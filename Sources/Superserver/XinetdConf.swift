/// One xinetd.d file per service. One setting per line and no trailing comments: xinetd
/// keeps a `#` after a value as part of the value.
enum XinetdConf {
  static func render(_ entry: Entry) -> GeneratedFile {
    let stanzas = entry.service.sockets.map { socket in
      var settings = [("type", "UNLISTED")]
      if entry.service.sockets.count > 1 { settings.append(("id", entry.identifier(socket))) }
      settings.append(("port", String(entry.port)))
      if let bind = entry.bind { settings.append(("bind", bind)) }
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
      // Without IPv4 xinetd opens AF_INET6 sockets, on which IPv4 sendto fails.
      settings.append(("flags", "IPv4"))
      let body = settings.map { "\t\($0.0) = \($0.1)" }.joined(separator: "\n")
      return "service slug-\(entry.service.name)\n{\n\(body)\n}\n"
    }
    return GeneratedFile(name: "slug-\(entry.service.name)", contents: stanzas.joined(separator: "\n"))
  }

  /// How many servers may run at once, in all and for one client address. A `nowait` service
  /// runs one per connection, and xinetd counts a server until it has reaped it: with 20
  /// clients at once from one host (`ab -c 20` on in.www) servers still exiting pushed the
  /// count past 32 on a busy machine and xinetd reset connections; 64 refused none in 4000.
  /// 256 in all holds a household (every machine's mail client and chat session) and leaves
  /// three quarters of the instances to other hosts when one takes its 64. A `wait` service
  /// runs one server, which serves every client until it is idle (a datagram service,
  /// in.proxy's listener): one instance, and no limit by source, which would count only
  /// whoever woke it (and DHCP clients all come from 0.0.0.0).
  static func limits(_ socket: SocketKind) -> [(String, String)] {
    switch socket {
    case .tcp: [("instances", "256"), ("per_source", "64")]
    case .udp, .tcpListener: [("instances", "1"), ("per_source", "UNLIMITED")]
    }
  }
}
