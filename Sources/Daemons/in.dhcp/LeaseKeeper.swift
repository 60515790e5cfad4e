import CLibc

/// Where in.dhcp's configuration comes from and its leases go: the slug store, or (with -c)
/// the original's flat config and lease file. Every commit is on disk before it returns.
struct LeaseKeeper {
  private let options: DHCPOptions
  private var origin: Origin
  private var loadedVersion: Int64?

  private enum Origin {
    case unopenedStore(path: String)
    case store(Store)
    case files(config: WatchedFile, leases: String)
  }

  init(options: DHCPOptions) {
    self.options = options
    if let config = options.configFile, let leases = options.leaseFile {
      origin = .files(config: WatchedFile(path: config), leases: leases)
    } else {
      origin = .unopenedStore(path: Store.resolvePath(option: options.database))
    }
  }

  /// Where the configuration comes from, for -n: `store PATH` or `config PATH`.
  var location: String {
    switch origin {
    case .unopenedStore(let path): "store \(path)"
    case .store(let store): "store \(store.path)"
    case .files(let config, _): "config \(config.path)"
    }
  }

  /// The server as configured now, with the stored leases.
  mutating func load() throws(StartupError) -> DHCPServer {
    guard let server = try reloadIfChanged() else { throw StartupError("nothing loaded", exitCode: EX_SOFTWARE) }
    return server
  }

  /// A server built from fresh data when the configuration or leases changed since the last
  /// load (another process wrote the store, the config file was edited), else nil.
  mutating func reloadIfChanged() throws(StartupError) -> DHCPServer? {
    switch origin {
    case .unopenedStore(let path):
      do throws(StoreError) {
        origin = .store(try Store(writingTo: path))
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
      return try reloadIfChanged()
    case .store(let store):
      do throws(StoreError) {
        // The version before the data: a commit in between shows as a change next time.
        let version = try store.dataVersion()
        guard version != loadedVersion else { return nil }
        let server = try serverFromStore(store)
        loadedVersion = version
        return server
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
    case .files(var config, let leasePath):
      let contents: [UInt8]?
      do throws(FileError) {
        contents = try config.readIfChanged()
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
      origin = .files(config: config, leases: leasePath)
      guard let contents else { return nil }
      return try serverFromFiles(config: String(decoding: contents, as: UTF8.self), path: config.path, leasePath: leasePath)
    }
  }

  /// Stores CHANGES (the server already holds them) in one durable commit.
  mutating func commit(_ changes: [DHCPLeaseChange], server: DHCPServer, now: Int64) throws(StartupError) {
    switch origin {
    case .unopenedStore: throw StartupError("the store is not open", exitCode: EX_SOFTWARE)
    case .store(let store):
      do throws(StoreError) {
        try store.transaction { () throws(StoreError) in
          for change in changes {
            if let lease = change.lease.stored(interface: change.interface) { try store.putLease(lease) }
          }
        }
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
    case .files(_, let leasePath):
      let interface = options.interfaces[0]
      // The file has one line per MAC: a machine with two client identifiers keeps its newer lease.
      var newest: [[UInt8]: DHCPLease] = [:]
      for lease in server.tables[interface]?.byAddress.values ?? [:].values where lease.state == .active {
        let mac = lease.client.hardwareAddress
        if let kept = newest[mac], kept.start >= lease.start { continue }
        newest[mac] = lease
      }
      let active = newest.values.sorted { $0.address < $1.address }.compactMap { $0.stored(interface: interface) }
      do throws(StoreError) {
        try AtomicFile.write(Array(DHCPLeaseFile.render(active).utf8), to: leasePath, mode: 0o644)
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
    }
  }

  private func serverFromStore(_ store: Store) throws(StoreError) -> DHCPServer {
    var configured = try store.dhcpInterfaces()
    if !options.interfaces.isEmpty {
      for name in options.interfaces where !configured.contains(where: { $0.name == name }) {
        throw .notFound("no DHCP interface '\(name)' in \(store.path); configure it with slugctl dhcp set \(name) ...")
      }
      configured = configured.filter { options.interfaces.contains($0.name) }
    }
    guard !configured.isEmpty else {
      throw .notFound("no DHCP interface in \(store.path); configure one with slugctl dhcp set IFACE pool-start ...")
    }
    // An interface that sets no domain-name hands out the LAN domain (slugctl dns domain).
    if let domain = try store.dnsDomain() {
      for index in configured.indices where configured[index].values(of: "domain-name") == nil {
        configured[index].settings.append(DHCPSetting(keyword: "domain-name", values: [domain.text]))
      }
    }
    let hosts = try store.staticLeases()
    var subnets: [DHCPSubnet] = []
    var leases: [String: [DHCPLease]] = [:]
    for interface in configured {
      do throws(DHCPConfigurationError) {
        subnets.append(
          try DHCPSubnet(
            interface, hosts: hosts.filter { $0.interface == nil || $0.interface == interface.name },
            interfaceAddresses: Interfaces.ipv4Addresses(of: interface.name)))
      } catch {
        throw .invalid("\(store.path): \(error.description)")
      }
      leases[interface.name] = try store.leases(interface: interface.name).map { DHCPLease($0) }
    }
    // Every fixed host's name, whatever its interface: DNS answers them all.
    let reserved = try store.dnsHosts().map { $0.name.text } + hosts.compactMap { $0.hostname?.text } + [Interfaces.hostName()]
    return DHCPServer(subnets: subnets, leases: leases, reservedNames: reserved)
  }

  private func serverFromFiles(config text: String, path: String, leasePath: String) throws(StartupError)
    -> DHCPServer
  {
    let name = options.interfaces[0]
    let parsed: (DHCPInterface, [StaticLease])
    do throws(FormatError) {
      parsed = try DHCPConf.parse(text, file: path, interface: name)
    } catch {
      throw StartupError(error.description, exitCode: EX_DATAERR)
    }
    var subnet: DHCPSubnet
    do throws(DHCPConfigurationError) {
      subnet = try DHCPSubnet(parsed.0, hosts: parsed.1, interfaceAddresses: Interfaces.ipv4Addresses(of: name))
    } catch {
      throw StartupError("\(path): \(error.description)", exitCode: EX_DATAERR)
    }
    if subnet.serverIdentifier == nil { subnet.serverIdentifier = options.bindAddress }
    let leases: [Lease]
    do throws(FormatError) {
      leases = try DHCPLeaseFile.parse(
        try LeaseKeeper.leaseFileText(leasePath), file: leasePath, interface: name, now: Int64(time(nil)))
    } catch {
      throw StartupError(error.description, exitCode: EX_DATAERR)
    }
    return DHCPServer(
      subnets: [subnet], leases: [name: leases.map { DHCPLease($0) }], reservedNames: [Interfaces.hostName()])
  }

  /// The lease file's text; empty when there is none yet (no client has a lease).
  private static func leaseFileText(_ path: String) throws(FormatError) -> String {
    var file = WatchedFile(path: path)
    do throws(FileError) {
      return String(decoding: try file.readIfChanged() ?? [], as: UTF8.self)
    } catch {
      guard error.code == ENOENT else { throw FormatError(file: path, line: 0, message: String(cString: strerror(error.code))) }
      return ""
    }
  }
}
