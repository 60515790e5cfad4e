import CLibc

/// Where in.dns takes its names from (the store, or a flat in.dns.conf with -f), and how it
/// notices that they changed: the store's data version, or the file's stamp.
struct ZoneSource {
  private let options: NameServerOptions
  private var origin: Origin
  /// The store's `dns_upstreams` setting as last read (nil: none, or a flat file).
  private(set) var upstreamsSetting: String?
  private var loadedVersion: Int64?
  /// When the data is due to be read again regardless of its version.
  private var rereadAt = Deadline.now()
  /// An active lease's name goes when the lease expires, which changes nothing in the store:
  /// the data is read again this often even without a new version.
  private static let expiryRecheckSeconds = 60

  private enum Origin {
    case unopenedStore(path: String)
    case store(Store)
    case file(WatchedFile)
  }

  init(options: NameServerOptions) {
    self.options = options
    if let file = options.file {
      origin = .file(WatchedFile(path: file))
    } else {
      origin = .unopenedStore(path: Store.resolvePath(option: options.database))
    }
  }

  /// Where the names come from, for -n: `store PATH` or `file PATH`.
  var location: String {
    switch origin {
    case .unopenedStore(let path): "store \(path)"
    case .store(let store): "store \(store.path)"
    case .file(let file): "file \(file.path)"
    }
  }

  /// The zone from the data as it is now; called once, before any query is answered.
  mutating func load() throws(StartupError) -> Zone {
    // Nothing was loaded yet, so the data counts as changed.
    guard let zone = try zoneIfChanged() else { throw StartupError("no data loaded", exitCode: EX_SOFTWARE) }
    return zone
  }

  /// A zone from fresh data when it changed since the last load, else nil.
  mutating func zoneIfChanged() throws(StartupError) -> Zone? {
    switch origin {
    case .unopenedStore(let path):
      do throws(StoreError) {
        origin = .store(try Store(readingFrom: path))
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
      return try zoneIfChanged()
    case .store(let store):
      do throws(StoreError) {
        // The version before the data: a commit in between shows as a change next time.
        let version = try store.dataVersion()
        guard version != loadedVersion || Deadline.now() >= rereadAt else { return nil }
        let data = try store.dnsData(now: Int64(time(nil)))
        upstreamsSetting = try store.setting("dns_upstreams")
        loadedVersion = version
        rereadAt = .after(seconds: ZoneSource.expiryRecheckSeconds)
        return zone(from: data, serial: UInt32(truncatingIfNeeded: version))
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
    case .file(var file):
      let contents: [UInt8]?
      do throws(FileError) {
        contents = try file.readIfChanged()
      } catch {
        throw StartupError(error.description, exitCode: error.exitCode)
      }
      origin = .file(file)
      guard let contents else { return nil }
      let hosts: [DNSHost]
      do throws(FormatError) {
        hosts = try DNSConf.parse(String(decoding: contents, as: UTF8.self), file: file.path)
      } catch {
        throw StartupError(error.description, exitCode: EX_DATAERR)
      }
      return zone(from: DNSData(hosts: hosts, leaseNames: [], domains: [:]), serial: UInt32(truncatingIfNeeded: time(nil)))
    }
  }

  /// Local domains are the --domain ones plus every DHCP domain-name; a lease's name is
  /// served as NAME.DOMAIN (its interface's domain, or every domain for a lease bound to no
  /// interface), added first so it answers the PTR, and as the bare NAME. The admin's names
  /// (DNS hosts, static leases) answer only their own addresses: a dynamic lease's name is
  /// left out when it is one of them, localhost, the server's own or an older lease's, whatever
  /// the leases table holds (in.dhcp refuses such names; older stores may hold them).
  private func zone(from data: DNSData, serial: UInt32) -> Zone {
    var domains = options.domains
    for domain in data.domains.values.sorted() {
      guard let name = NameServerOptions.domainName(domain) else { continue }
      if !domains.contains(name) { domains.append(name) }
    }
    var zone = Zone(ttl: options.ttl, localDomains: domains, serverName: options.serverName)
    zone.serial = serial
    for host in data.hosts {
      switch host.address {
      case .v4(let address): zone.add(name: host.name.text, ipv4: address.value)
      case .v6(let address): zone.add(name: host.name.text, ipv6: address.bytes)
      }
    }
    var taken = Set(data.hosts.map { ASCII.lowercased($0.name.text) })
    let ownLabel = ASCII.lowercased(String(options.serverName.split(separator: ".").first ?? ""))
    for lease in data.leaseNames {
      let leaseDomains: [String]
      if let interface = lease.interface {
        leaseDomains = data.domains[interface].flatMap(NameServerOptions.domainName).map { [$0] } ?? []
      } else {
        leaseDomains = data.domains.values.sorted().compactMap(NameServerOptions.domainName)
      }
      let label = ASCII.lowercased(lease.name.text)
      let names = leaseDomains.map { label + "." + ASCII.lowercased($0) } + [label]
      if !lease.fixed, label == "localhost" || label == ownLabel || names.contains(where: taken.contains) { continue }
      taken.formUnion(names)
      for name in names { zone.add(name: name, ipv4: lease.address.value) }
    }
    return zone
  }
}
