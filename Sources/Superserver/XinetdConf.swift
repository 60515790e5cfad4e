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
      settings.append(("user", entry.user))
      if let group = entry.group { settings.append(("group", group)) }
      settings.append(("server", entry.programPath))
      if !entry.arguments.isEmpty { settings.append(("server_args", entry.arguments.joined(separator: " "))) }
      // Without IPv4 xinetd opens AF_INET6 sockets, on which IPv4 sendto fails.
      settings.append(("flags", "IPv4"))
      let body = settings.map { "\t\($0.0) = \($0.1)" }.joined(separator: "\n")
      return "service slug-\(entry.service.name)\n{\n\(body)\n}\n"
    }
    return GeneratedFile(name: "slug-\(entry.service.name)", contents: stanzas.joined(separator: "\n"))
  }
}
