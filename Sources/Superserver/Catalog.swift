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
  /// Whether the daemon reads the store, and so takes `--db PATH`.
  public var usesStore: Bool
  /// Whether the protocol is IPv4 only (DHCPv4): its socket must not be a dual-stack one.
  public var ipv4Only: Bool

  public init(
    name: String, program: String, serviceName: String?, defaultPort: UInt16, sockets: [SocketKind],
    arguments: [String] = [], usesStore: Bool, ipv4Only: Bool = false
  ) {
    self.ipv4Only = ipv4Only
    self.name = name
    self.program = program
    self.serviceName = serviceName
    self.defaultPort = defaultPort
    self.sockets = sockets
    self.arguments = arguments
    self.usesStore = usesStore
  }
}

public enum Catalog {
  public static let services: [Service] = [
    Service(name: "www", program: "in.www", serviceName: "http", defaultPort: 80, sockets: [.tcp], usesStore: false),
    Service(name: "proxy", program: "in.proxy", serviceName: "webcache", defaultPort: 8080, sockets: [.tcpListener], usesStore: false),
    Service(name: "jabberd", program: "in.jabberd", serviceName: "xmpp-client", defaultPort: 5222, sockets: [.tcp], usesStore: true),
    Service(name: "smtp", program: "in.smtp", serviceName: "smtp", defaultPort: 25, sockets: [.tcp], usesStore: false),
    // Message submission (RFC 6409) from the LAN's mail clients: the same relay on its own port,
    // so either can be left out or moved (`--services`, `--port submission=N`).
    Service(name: "submission", program: "in.smtp", serviceName: "submission", defaultPort: 587, sockets: [.tcp], usesStore: false),
    Service(name: "ctcs", program: "in.ctcs", serviceName: nil, defaultPort: 2780, sockets: [.tcp], usesStore: true),
    Service(name: "dns", program: "in.dns", serviceName: "domain", defaultPort: 53, sockets: [.udp, .tcp], usesStore: true),
    Service(name: "dhcp", program: "in.dhcp", serviceName: "bootps", defaultPort: 67, sockets: [.udp], usesStore: true, ipv4Only: true),
    Service(name: "mvp", program: "in.mvp", serviceName: nil, defaultPort: 16881, sockets: [.udp], usesStore: false),
  ]

  public static func service(named name: String) -> Service? {
    services.first { $0.name == name }
  }
}
