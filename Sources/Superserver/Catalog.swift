/// How a service receives its clients.
public enum SocketKind: String, Sendable, CaseIterable {
  /// inetd `wait`: one process owns the bound UDP socket for a burst of datagrams.
  case udp
  /// inetd `nowait`: one process per accepted connection.
  case tcp
  /// inetd `stream wait`: one process owns the listening TCP socket for a burst of
  /// connections and forks (without exec) a child per connection.
  case tcpListener = "tcp-listener"
}

/// What a daemon needs of the store.
public enum StoreAccess: String, Sendable {
  case none
  /// It only reads: it runs outside the store's group and is given read access alone.
  case read
  /// It records what it does (leases, offline messages, torrents): it runs with the group.
  case write
}

public struct Service: Sendable, Equatable {
  /// The name slug uses: "dns".
  public var name: String
  /// The executable under PREFIX/sbin: "in.dns".
  public var program: String
  /// The /etc/services name of the default port ("domain"); nil when netbase has none.
  public var serviceName: String?
  public var defaultPort: UInt16
  public var sockets: [SocketKind]
  /// Arguments every invocation gets, after argv[0].
  public var arguments: [String]
  /// What the daemon may do with the store. One that uses it takes `--db PATH`.
  public var store: StoreAccess
  /// Whether the daemon reads the store, and so takes `--db PATH`.
  public var usesStore: Bool { store != .none }
  /// The system user the daemon runs as (`slugctl init` creates it): one per program, so no
  /// daemon can signal, trace or read the files of another.
  public var user: String { "slug-" + program.dropFirst(3) }
  /// Whether the protocol is IPv4 only (DHCPv4): its socket must not be a dual-stack one.
  public var ipv4Only: Bool
  /// Whether the daemon speaks TLS: one that does not read the store takes `--tls-dir DIR`,
  /// the `tls` directory beside the store (docs/design.md, "TLS").
  public var tls: Bool
  /// Whether the daemon takes XEP-0363 uploads (in.www over HTTPS): it is given `--upload-dir`,
  /// the `upload` directory beside the store, and may write there.
  public var uploads: Bool

  public init(
    name: String, program: String, serviceName: String?, defaultPort: UInt16, sockets: [SocketKind],
    arguments: [String] = [], store: StoreAccess, ipv4Only: Bool = false, tls: Bool = false, uploads: Bool = false
  ) {
    self.tls = tls
    self.uploads = uploads
    self.ipv4Only = ipv4Only
    self.name = name
    self.program = program
    self.serviceName = serviceName
    self.defaultPort = defaultPort
    self.sockets = sockets
    self.arguments = arguments
    self.store = store
  }
}

public enum Catalog {
  public static let services: [Service] = [
    Service(name: "www", program: "in.www", serviceName: "http", defaultPort: 80, sockets: [.tcp], store: .none),
    Service(
      name: "https", program: "in.www", serviceName: "https", defaultPort: 443, sockets: [.tcp], arguments: ["--tls"],
      store: .none, tls: true, uploads: true),
    Service(name: "proxy", program: "in.proxy", serviceName: "webcache", defaultPort: 8080, sockets: [.tcpListener], store: .none),
    Service(name: "jabberd", program: "in.jabberd", serviceName: "xmpp-client", defaultPort: 5222, sockets: [.tcp], store: .write),
    // Direct TLS (XEP-0368): the same server, the handshake before the stream; netbase names no port.
    Service(
      name: "xmpps", program: "in.jabberd", serviceName: nil, defaultPort: 5223, sockets: [.tcp], arguments: ["--tls"],
      store: .write, tls: true),
    // in.smtp reads the store for AUTH (in.jabberd's accounts: one password per person).
    Service(name: "smtp", program: "in.smtp", serviceName: "smtp", defaultPort: 25, sockets: [.tcp], store: .read),
    // Message submission (RFC 6409) from the LAN's mail clients: the same relay on its own port,
    // with AUTH required before MAIL, so either can be left out or moved (`--services`,
    // `--port submission=N`); submissions is the same over implicit TLS (RFC 8314).
    Service(
      name: "submission", program: "in.smtp", serviceName: "submission", defaultPort: 587, sockets: [.tcp],
      arguments: ["--submission"], store: .read),
    Service(
      name: "submissions", program: "in.smtp", serviceName: "submissions", defaultPort: 465, sockets: [.tcp],
      arguments: ["--submission", "--tls"], store: .read, tls: true),
    Service(name: "ctcs", program: "in.ctcs", serviceName: nil, defaultPort: 2780, sockets: [.tcp], store: .write),
    Service(name: "dns", program: "in.dns", serviceName: "domain", defaultPort: 53, sockets: [.udp, .tcp], store: .read),
    Service(name: "dhcp", program: "in.dhcp", serviceName: "bootps", defaultPort: 67, sockets: [.udp], store: .write, ipv4Only: true),
    Service(name: "mvp", program: "in.mvp", serviceName: nil, defaultPort: 16881, sockets: [.udp], store: .none),
  ]

  /// The group of the daemons that write the store, and the store's own.
  public static let storeGroup = "slug"

  /// Every daemon's user, each once, in the catalog's order.
  public static var users: [String] {
    var seen: [String] = []
    for service in services where !seen.contains(service.user) { seen.append(service.user) }
    return seen
  }

  public static func service(named name: String) -> Service? {
    services.first { $0.name == name }
  }
}
