/// systemd socket activation: a TCP service is an `Accept=yes` socket plus a template service
/// run per connection; a UDP service, or a TCP service that accepts for itself, is a plain
/// socket handed to one service that exits when idle and is started again by the next
/// datagram or connection.
enum SystemdUnits {
  /// Without a bind address the socket is IPv6 and takes IPv4 clients too (`[::]:PORT`,
  /// `BindIPv6Only=both`, whatever net.ipv6.bindv6only says); an IPv4-only protocol gets the
  /// IPv4 wildcard. An accepting socket listens on every bind address at once; a socket handed
  /// over whole must be the only one (`StandardInput=socket`), so it gets a unit per address.
  static func render(_ entry: ServiceEntry) -> [GeneratedFile] {
    entry.service.sockets.flatMap { socket in
      let places: [[BindAddress]] = socket == .tcp || entry.binds.isEmpty ? [entry.binds] : entry.binds.map { [$0] }
      return places.flatMap { binds in render(entry, socket, binds) }
    }
  }

  private static func render(_ entry: ServiceEntry, _ socket: SocketKind, _ binds: [BindAddress]) -> [GeneratedFile] {
    let unit = entry.identifier(socket, bind: binds.count == 1 ? binds[0] : nil)
    let wildcard = entry.service.ipv4Only ? "0.0.0.0:\(entry.port)" : "[::]:\(entry.port)"
    let addresses = binds.isEmpty ? [wildcard] : binds.map { $0.withPort(entry.port) }
    var listenLines = addresses.map { (socket == .udp ? "ListenDatagram=" : "ListenStream=") + $0 }
    if binds.isEmpty, !entry.service.ipv4Only { listenLines.append("BindIPv6Only=both") }
    let listen = listenLines.joined(separator: "\n")
    let label = "slug \(entry.service.name) (\(entry.service.program))"
    let command = ([entry.programPath] + entry.arguments).joined(separator: " ")
    let group = entry.group.map { "Group=\($0)\n" } ?? ""
    let service = """
      [Service]
      ExecStart=\(command)
      User=\(entry.user)
      \(group)StandardInput=socket
      StandardError=journal
      \(hardening(entry))
      """
    let listener =
      switch socket {
      case .tcp: "\(listen)\nAccept=yes\n" + connectionLimits
      case .tcpListener: "\(listen)\nAccept=no"
      case .udp: listen
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

  /// An `Accept=yes` socket's limits, a backstop above the daemons' own caps (as xinetd's
  /// `instances` and `per_source`): systemd's MaxConnections=64 would refuse a household's
  /// 65th connection with a bare reset. Its trigger limit (200 activations in 2 s for
  /// Accept=yes) puts the socket in the failed state until an admin restarts it, which one
  /// busy page can reach; each activation serves a client, so it is turned off.
  static let connectionLimits = """
    MaxConnections=512
    MaxConnectionsPerSource=128
    TriggerLimitIntervalSec=0
    """

  /// The sandbox: every daemon gets all of it but what `Sandbox` says it needs. Goal: at most
  /// 2.0 in `systemd-analyze security`. It keeps what a daemon does: ExecStart and what it
  /// starts (CGI programs, sendmail, ctorrent, curl, a lease script) may exec and connect, but
  /// gain no privilege; the system is read-only but for the store's directory (its writers) and
  /// `Sandbox.writablePaths`; /home is out of sight (a document tree there needs a drop-in with
  /// ProtectHome=read-only); /tmp and /var/tmp are the unit's own (in.smtp's spool).
  static func hardening(_ entry: ServiceEntry) -> String {
    let sandbox = Sandbox.of(entry.service)
    let writable = (entry.storeDirectory.map { [$0] } ?? []) + (entry.uploadDirectory.map { ["-" + $0] } ?? [])
      + sandbox.writablePaths
    var lines = [
      "NoNewPrivileges=yes",
      "CapabilityBoundingSet=",
      "AmbientCapabilities=",
      "ProtectSystem=strict",
    ]
    if !writable.isEmpty { lines.append("ReadWritePaths=" + writable.joined(separator: " ")) }
    lines += [
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "PrivateDevices=yes",
      "DevicePolicy=closed",
      "PrivateMounts=yes",
    ]
    // A user namespace maps only the unit's user and group (and root): a supplementary group
    // would be lost.
    if !sandbox.supplementaryGroups { lines.append("PrivateUsers=yes") }
    lines += [
      "ProtectKernelTunables=yes",
      "ProtectKernelModules=yes",
      "ProtectKernelLogs=yes",
      "ProtectControlGroups=yes",
      "ProtectClock=yes",
      "ProtectHostname=yes",
      "ProtectProc=invisible",
      "ProcSubset=pid",
      "RestrictNamespaces=yes",
      "RestrictRealtime=yes",
      "RestrictSUIDSGID=yes",
      "LockPersonality=yes",
      "MemoryDenyWriteExecute=yes",
      "RemoveIPC=yes",
      "KeyringMode=private",
      "RestrictAddressFamilies=" + sandbox.addressFamilies.joined(separator: " "),
      // The system calls of an ordinary service, which include execve and fork, less those
      // that need a privilege or change resource limits.
      "SystemCallArchitectures=native",
      "SystemCallFilter=@system-service",
      "SystemCallFilter=~@privileged @resources",
      "SystemCallErrorNumber=EPERM",
      // Downloads and leases are for the daemon's group to read, not for everyone.
      "UMask=0027",
    ]
    return lines.joined(separator: "\n") + "\n"
  }
}
