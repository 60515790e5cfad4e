import CLibc

public enum SuperserverFormat: String, CaseIterable, Sendable {
  case inetd, xinetd, systemd
}

public struct GenerateOptions: Sendable, Equatable {
  /// Programs are PREFIX/sbin/in.NAME.
  public var prefix: String
  /// The addresses to listen on, IPv4 or IPv6 (`--bind`, repeatable); empty for every
  /// address of both families. An IPv4-only service (DHCPv4) takes only the IPv4 ones.
  public var binds: [String]
  /// The one user every daemon runs as; nil (the default) for each daemon's own (`Service.user`,
  /// which `slugctl init` creates).
  public var user: String?
  /// The group the daemons that write the store run as (the store is root:slug 0660 after
  /// `slugctl init`); nil for the user's own group. in.dns, which only reads the store, gets it
  /// only when `user` puts every daemon under one user: its own user, slug-dns, reads the store
  /// through an ACL instead. The other daemons never get it.
  public var group: String?
  /// Port overrides by service name ("dns": 5353).
  public var ports: [String: UInt16]
  /// The services to configure, in this order; nil for every one.
  public var services: [String]?
  /// Passed as `--db PATH` to the daemons that read the store.
  public var db: String?
  /// More arguments for a service's daemon by service name ("proxy": ["--allow-destination",
  /// "127.0.0.0/8"]), after the generated ones.
  public var extraArguments: [String: [String]]

  public init(
    prefix: String = "/usr/local", binds: [String] = [], user: String? = nil, group: String? = "slug",
    ports: [String: UInt16] = [:], services: [String]? = nil, db: String? = nil, extraArguments: [String: [String]] = [:]
  ) {
    self.extraArguments = extraArguments
    self.prefix = prefix
    self.binds = binds
    self.user = user
    self.group = group
    self.ports = ports
    self.services = services
    self.db = db
  }
}

public struct GeneratedFile: Sendable, Equatable {
  public var name: String
  public var contents: String

  public init(name: String, contents: String) {
    self.name = name
    self.contents = contents
  }
}

public enum GenerateError: Error, Equatable, CustomStringConvertible {
  case unknownService(String)
  case invalidPort(service: String)
  case invalidBind(String)
  /// Every `--bind` address is IPv6, and the service speaks IPv4 alone.
  case noIPv4Bind(service: String)
  case invalidUser(String)
  case invalidGroup(String)
  /// The super-servers split arguments on white space, so a path cannot carry any.
  case invalidPath(String)
  /// An extra argument with a character one of the formats would read as more than itself
  /// (quotes, `\`, `$`, `%`, `;`, `#`), or none at all.
  case invalidArgument(service: String, String)

  public var description: String {
    switch self {
    case .unknownService(let name):
      "unknown service '\(name)' (known: \(Catalog.services.map { $0.name }.joined(separator: ", ")))"
    case .invalidPort(let service): "port 0 for service '\(service)' is not a port"
    case .invalidBind(let address): "bind address '\(address)' is not an IPv4 or IPv6 address"
    case .noIPv4Bind(let service): "service '\(service)' is IPv4 only: give it an IPv4 --bind address too"
    case .invalidUser(let user): "user '\(user)' is not a user name"
    case .invalidGroup(let group): "group '\(group)' is not a group name"
    case .invalidPath(let path): "path '\(path)' is empty or contains white space"
    case .invalidArgument(let service, let argument):
      "argument '\(argument)' for service '\(service)' is empty or holds one of \" ' \\ $ % ; # or white space"
    }
  }
}

/// The configuration files that make `format` start the selected services.
public func generate(_ format: SuperserverFormat, _ options: GenerateOptions) throws(GenerateError) -> [GeneratedFile] {
  let entries = try ServiceEntry.resolve(options)
  switch format {
  case .inetd: return [InetdConf.render(entries)]
  case .xinetd: return entries.map(XinetdConf.render)
  case .systemd: return entries.flatMap(SystemdUnits.render)
  }
}

/// One service as it will be configured: its listening sockets and exact command line.
struct ServiceEntry {
  var service: Service
  var port: UInt16
  /// The port as the inetd.conf service field: the /etc/services name when it means the same port.
  var inetdService: String
  /// The addresses it listens on, IPv4 or IPv6 as written in the configuration (no brackets);
  /// empty for every address of the families it speaks.
  var binds: [BindAddress]
  var user: String
  /// Set only for a service that uses the store (see `GenerateOptions.group`).
  var group: String?
  /// The directory of the store, for a daemon that writes it: its unit may write there.
  var storeDirectory: String?
  /// Where a daemon that takes uploads keeps them: its unit may write there.
  var uploadDirectory: String?
  var programPath: String
  var arguments: [String]

  static func resolve(_ options: GenerateOptions) throws(GenerateError) -> [ServiceEntry] {
    for name in options.ports.keys.sorted() where Catalog.service(named: name) == nil {
      throw .unknownService(name)
    }
    let binds = try BindAddress.parse(options.binds)
    if let user = options.user, user.isEmpty || user.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "." }) {
      throw .invalidUser(user)
    }
    // inetd.conf spells the pair USER.GROUP, so a group name cannot hold a dot either.
    if let group = options.group,
      group.isEmpty || group.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "." })
    {
      throw .invalidGroup(group)
    }
    for path in [options.prefix] + (options.db.map { [$0] } ?? [])
    where path.isEmpty || path.contains(where: { $0.isWhitespace }) {
      throw .invalidPath(path)
    }
    for (name, arguments) in options.extraArguments.sorted(by: { $0.key < $1.key }) {
      guard Catalog.service(named: name) != nil else { throw .unknownService(name) }
      for argument in arguments
      where argument.isEmpty || argument.contains(where: { $0.isWhitespace || "\"'\\$%;#".contains($0) }) {
        throw .invalidArgument(service: name, argument)
      }
    }
    var selected: [Service] = []
    for name in options.services ?? Catalog.services.map({ $0.name }) {
      guard let service = Catalog.service(named: name) else { throw .unknownService(name) }
      if !selected.contains(service) { selected.append(service) }
    }
    let sbin = (options.prefix.hasSuffix("/") ? String(options.prefix.dropLast()) : options.prefix) + "/sbin/"
    var entries: [ServiceEntry] = []
    for service in selected {
      let override = options.ports[service.name]
      if override == 0 { throw .invalidPort(service: service.name) }
      let port = override ?? service.defaultPort
      let numeric = override != nil || !binds.isEmpty
      let serviceBinds = service.ipv4Only ? binds.filter { $0.family == .ipv4 } : binds
      if !binds.isEmpty, serviceBinds.isEmpty { throw .noIPv4Bind(service: service.name) }
      let group =
        switch service.store {
        case .write: options.group
        case .read: options.user == nil ? nil : options.group
        case .none: nil as String?
        }
      entries.append(
        ServiceEntry(
          service: service, port: port,
          inetdService: numeric ? String(port) : service.serviceName ?? String(port),
          binds: serviceBinds, user: options.user ?? service.user, group: group,
          storeDirectory: service.store == .write ? storeDirectory(options.db) : nil,
          uploadDirectory: service.uploads ? uploadDirectory(options.db) : nil, programPath: sbin + service.program,
          arguments: service.arguments + (service.usesStore ? options.db.map { ["--db", $0] } ?? [] : [])
            + (service.tls && !service.usesStore ? options.db.map { ["--tls-dir", tlsDirectory($0)] } ?? [] : [])
            + (service.uploads ? options.db.map { ["--upload-dir", uploadDirectory($0)] } ?? [] : [])
            + (options.extraArguments[service.name] ?? [])))
    }
    return entries
  }

  /// The directory holding the store at `db` (nil: the default, /var/lib/slug/slug.db). A
  /// relative path is taken from /, the working directory every super-server gives a daemon.
  static func storeDirectory(_ db: String?) -> String {
    let path = db ?? "/var/lib/slug/slug.db"
    let absolute = path.hasPrefix("/") ? path : "/" + path
    let slash = absolute.lastIndex(of: "/")!
    return slash == absolute.startIndex ? "/" : String(absolute[..<slash])
  }

  /// The TLS directory beside the store at `db`, for a TLS daemon that does not read the store
  /// (one that does finds it beside its `--db` itself).
  static func tlsDirectory(_ db: String) -> String {
    let directory = storeDirectory(db)
    return directory == "/" ? "/tls" : directory + "/tls"
  }

  /// The upload directory beside the store at `db` (nil: the default store), which `slugctl
  /// init` makes for in.www.
  static func uploadDirectory(_ db: String?) -> String {
    let directory = storeDirectory(db)
    return directory == "/" ? "/upload" : directory + "/upload"
  }

  /// The unit and stanza id: the service name, suffixed by protocol when it has two sockets,
  /// and by the address's place in `binds` (from 1) when `bind` is one of several that need a
  /// socket each.
  func identifier(_ socket: SocketKind, bind: BindAddress? = nil) -> String {
    let base = service.sockets.count > 1 ? "slug-\(service.name)-\(socket.rawValue)" : "slug-\(service.name)"
    guard let bind, binds.count > 1, let index = binds.firstIndex(of: bind) else { return base }
    return "\(base)-\(index + 1)"
  }
}

/// One `--bind` address: its text without brackets, as inetd.conf and xinetd take it.
struct BindAddress: Equatable {
  enum Family { case ipv4, ipv6 }
  var text: String
  var family: Family

  /// systemd's spelling with a port: `127.0.0.1:53`, `[::1]:53`.
  func withPort(_ port: UInt16) -> String {
    family == .ipv6 ? "[\(text)]:\(port)" : "\(text):\(port)"
  }

  /// Every address once, in the order given; `[::1]` is taken for `::1`.
  static func parse(_ texts: [String]) throws(GenerateError) -> [BindAddress] {
    var result: [BindAddress] = []
    for given in texts {
      var text = given
      if text.hasPrefix("["), text.hasSuffix("]"), text.count > 2 { text = String(text.dropFirst().dropLast()) }
      var ipv4 = in_addr()
      var ipv6 = in6_addr()
      let address: BindAddress
      if inet_pton(AF_INET, text, &ipv4) == 1 {
        address = BindAddress(text: text, family: .ipv4)
      } else if inet_pton(AF_INET6, text, &ipv6) == 1 {
        address = BindAddress(text: text, family: .ipv6)
      } else {
        throw .invalidBind(given)
      }
      if !result.contains(address) { result.append(address) }
    }
    return result
  }
}
