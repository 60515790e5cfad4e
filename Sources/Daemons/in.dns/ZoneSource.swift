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

  /// Local domains are the --domain ones, the LAN domain and every DHCP domain-name; a lease's
  /// name is served as NAME.DOMAIN (its interface's domain, else the LAN domain; every domain
  /// for a lease bound to no interface), added first so it answers the PTR, and as the bare
  /// NAME; so is a bare DNS host name under the LAN domain. The admin's names (DNS hosts,
  /// static leases) answer only their own addresses: a dynamic lease's name is left out when it
  /// is one of them, localhost, the server's own or an older lease's, whatever the leases table
  /// holds (in.dhcp refuses such names; older stores may hold them).
  private func zone(from data: DNSData, serial: UInt32) -> Zone {
    let lanDomain = data.lanDomain.map { ASCII.lowercased($0.text) }
    var domains = options.domains
    for domain in (lanDomain.map { [$0] } ?? []) + data.domains.values.sorted() {
      guard let name = NameServerOptions.domainName(domain) else { continue }
      if !domains.contains(name) { domains.append(name) }
    }
    // The SOA MNAME and NS target, qualified with the LAN domain when it is a bare name.
    var serverName = options.serverName
    if let lanDomain, !serverName.contains(".") { serverName += "." + lanDomain }
    var zone = Zone(ttl: options.ttl, localDomains: domains, serverName: serverName)
    zone.serial = serial
    zone.blockAnswer = data.blockAnswer == .null ? .null : .nxdomain
    var taken = Set<String>()
    for host in data.hosts {
      let name = host.name.text
      let names = lanDomain.map { name.contains(".") ? [name] : [name + "." + $0, name] } ?? [name]
      taken.formUnion(names.map(ASCII.lowercased))
      for name in names {
        switch host.address {
        case .v4(let address): zone.add(name: name, ipv4: address.value)
        case .v6(let address): zone.add(name: name, ipv6: address.bytes)
        }
      }
    }
    let ownLabel = ASCII.lowercased(String(options.serverName.split(separator: ".").first ?? ""))
    for lease in data.leaseNames {
      var leaseDomains: [String]
      if let interface = lease.interface {
        leaseDomains = (data.domains[interface] ?? lanDomain).flatMap(NameServerOptions.domainName).map { [$0] } ?? []
      } else {
        leaseDomains = data.domains.values.sorted().compactMap(NameServerOptions.domainName)
        if let lanDomain, !leaseDomains.contains(lanDomain) { leaseDomains.append(lanDomain) }
      }
      let label = ASCII.lowercased(lease.name.text)
      let names = leaseDomains.map { label + "." + ASCII.lowercased($0) } + [label]
      if !lease.fixed, label == "localhost" || label == ownLabel || names.contains(where: taken.contains) { continue }
      taken.formUnion(names)
      for name in names { zone.add(name: name, ipv4: lease.address.value) }
    }
    if lanDomain != nil, !taken.contains(ASCII.lowercased(serverName)) { addOwnAddresses(of: serverName, to: &zone) }
    // RFC 6761 §6.3: localhost is local, and the loopback addresses are its own.
    zone.add(name: "localhost", ipv4: 0x7f00_0001)
    zone.add(name: "localhost", ipv6: [UInt8](repeating: 0, count: 15) + [1])
    return zone
  }

  /// The NS target answers with the machine's addresses, loopback and link-local left out (no
  /// client could use them).
  private func addOwnAddresses(of serverName: String, to zone: inout Zone) {
    for address in LocalNetworks.read().addresses {
      switch address {
      case .ipv4(let ipv4, _):
        if ipv4 >> 24 != 127 { zone.add(name: serverName, ipv4: ipv4) }
      case .ipv6(let bytes, _, _):
        let loopback = bytes == [UInt8](repeating: 0, count: 15) + [1]
        if !loopback, !(bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80) { zone.add(name: serverName, ipv6: bytes) }
      }
    }
  }
}
