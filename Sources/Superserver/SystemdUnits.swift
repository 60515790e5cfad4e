/// systemd socket activation: a TCP service is an `Accept=yes` socket plus a template service
/// run per connection; a UDP service is a plain socket handed to one service that exits when
/// idle and is started again by the next datagram.
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
      let listener: String
      let serviceFile: GeneratedFile
      switch socket {
      case .tcp:
        listener = "ListenStream=\(listen)\nAccept=yes"
        serviceFile = GeneratedFile(
          name: "\(unit)@.service", contents: "[Unit]\nDescription=\(label) connection\n\n" + service)
      case .udp:
        listener = "ListenDatagram=\(listen)"
        serviceFile = GeneratedFile(name: "\(unit).service", contents: "[Unit]\nDescription=\(label)\n\n" + service)
      }
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
