/// What a daemon needs of the system besides its socket: its systemd unit grants this and
/// nothing more (the rest of the unit's sandbox is the same for every daemon).
struct Sandbox: Equatable {
  /// The socket families it creates (RestrictAddressFamilies): AF_UNIX for syslog (/dev/log) and
  /// the mesh; AF_INET and AF_INET6 for what it connects to (an origin, a relayed question, what
  /// a child it starts connects to) and for the datagram daemons' route probe (DatagramService);
  /// AF_NETLINK for getifaddrs (Interfaces). Sockets the super-server hands it are not created.
  var addressFamilies: [String]
  /// Directories it writes besides the store's (ReadWritePaths; "-": none when it is missing).
  var writablePaths: [String]
  /// Whether a program it starts needs its user's supplementary groups: the system sendmail of
  /// in.smtp, Postfix's, drops mail through postdrop, which cannot become set-group-ID postdrop
  /// under no-new-privileges and writes the maildrop as a member of the group instead. A user
  /// namespace (PrivateUsers) would leave such a group unmapped, and xinetd sets supplementary
  /// groups only when told (`groups = yes`).
  var supplementaryGroups: Bool

  static func of(_ service: Service) -> Sandbox {
    let internet = ["AF_UNIX", "AF_INET", "AF_INET6"]
    switch service.program {
    // CGI programs: torrents.cgi fetches a torrent's URL with curl.
    case "in.www": return Sandbox(addressFamilies: internet, writablePaths: [], supplementaryGroups: false)
    case "in.proxy": return Sandbox(addressFamilies: internet, writablePaths: [], supplementaryGroups: false)
    // Only the socket it is handed, syslog and the mesh.
    case "in.jabberd": return Sandbox(addressFamilies: ["AF_UNIX"], writablePaths: [], supplementaryGroups: false)
    // Its host name comes from gethostname; sendmail may connect to a smart host; Postfix's maildrop.
    case "in.smtp":
      return Sandbox(
        addressFamilies: internet, writablePaths: ["-/var/spool/postfix/maildrop"], supplementaryGroups: true)
    // The queue runner and ctorrent, with the queue's default directories (slugctl torrent settings).
    case "in.ctcs":
      return Sandbox(
        addressFamilies: internet, writablePaths: ["-/var/lib/slug/downloads", "-/var/lib/slug/torrents"],
        supplementaryGroups: false)
    // Forwards what is not local to the upstream servers, over UDP and TCP.
    case "in.dns": return Sandbox(addressFamilies: internet, writablePaths: [], supplementaryGroups: false)
    // The interfaces' addresses (getifaddrs) for each subnet; IPv4 only.
    case "in.dhcp":
      return Sandbox(addressFamilies: ["AF_UNIX", "AF_INET", "AF_NETLINK"], writablePaths: [], supplementaryGroups: false)
    // The server's hardware address (getifaddrs).
    case "in.mvp": return Sandbox(addressFamilies: internet + ["AF_NETLINK"], writablePaths: [], supplementaryGroups: false)
    default: return Sandbox(addressFamilies: internet, writablePaths: [], supplementaryGroups: false)
    }
  }
}
