/// systemd socket activation: a TCP service is an `Accept=yes` socket plus a template service
/// run per connection; a UDP service, or a TCP service that accepts for itself, is a plain
/// socket handed to one service that exits when idle and is started again by the next
/// datagram or connection.
enum SystemdUnits {
  static func render(_ entry: Entry) -> [GeneratedFile] {
    entry.service.sockets.flatMap { socket in
      let unit = entry.identifier(socket)
      // A bare port is a dual-stack IPv6 socket; an IPv4-only protocol needs the IPv4 wildcard.
      let host = entry.bind ?? (entry.service.ipv4Only ? "0.0.0.0" : nil)
      let listen = (host.map { "\($0):" } ?? "") + String(entry.port)
      let label = "slug \(entry.service.name) (\(entry.service.program))"
      let command = ([entry.programPath] + entry.arguments).joined(separator: " ")
      let group = entry.group.map { "Group=\($0)\n" } ?? ""
      let service = """
        [Service]
        ExecStart=\(command)
        User=\(entry.user)
        \(group)StandardInput=socket
        StandardError=journal

        """
      let listener =
        switch socket {
        case .tcp: "ListenStream=\(listen)\nAccept=yes"
        case .tcpListener: "ListenStream=\(listen)\nAccept=no"
        case .udp: "ListenDatagram=\(listen)"
        }
      let serviceFile =
        socket == .tcp
        ? GeneratedFile(name: "\(unit)@.service", contents: "[Unit]\nDescription=\(label) connection\n\n" + service)
        : GeneratedFile(name: "\(unit).service", contents: "[Unit]\nDescription=\(label)\n\n" + service)
      let socketFile = GeneratedFile(
        name: "\(unit).socket",
        contents: """
          [Unit]
          Description=\(label) listener

          [Socket]
          \(listener)

          [Install]
          WantedBy=sockets.target

          """)
      return [socketFile, serviceFile]
    }
  }
}
