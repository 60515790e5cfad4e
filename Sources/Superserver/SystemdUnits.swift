/// systemd socket activation: a TCP service is an `Accept=yes` socket plus a template service
/// run per connection; a UDP service is a plain socket handed to one service that exits when
/// idle and is started again by the next datagram.
enum SystemdUnits {
  static func render(_ entry: Entry) -> [GeneratedFile] {
    entry.service.sockets.flatMap { socket in
      let unit = entry.identifier(socket)
      let listen = (entry.bind.map { "\($0):" } ?? "") + String(entry.port)
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
      switch socket {
      case .tcp:
        return [
          GeneratedFile(
            name: "\(unit).socket",
            contents: """
              [Unit]
              Description=\(label) listener

              [Socket]
              ListenStream=\(listen)
              Accept=yes

              [Install]
              WantedBy=sockets.target

              """),
          GeneratedFile(
            name: "\(unit)@.service",
            contents: "[Unit]\nDescription=\(label) connection\n\n" + service),
        ]
      case .udp:
        return [
          GeneratedFile(
            name: "\(unit).socket",
            contents: """
              [Unit]
              Description=\(label) listener

              [Socket]
              ListenDatagram=\(listen)

              [Install]
              WantedBy=sockets.target

              """),
          GeneratedFile(name: "\(unit).service", contents: "[Unit]\nDescription=\(label)\n\n" + service),
        ]
      }
    }
  }
}
