import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

/// One import of a flat file into the store, run inside the caller's transaction: a record
/// already present unchanged is skipped, one that contradicts the store fails the whole import
/// naming FILE:LINE. The file is read a line at a time (`LineReader`): what is held is the
/// records, not the file.
struct FlatFileImport {
  let store: Store
  let format: FlatFormat
  let file: String
  let interface: String?
  /// Jabber users are marked legacy (their password kept in the clear too).
  var legacy = false

  struct Count: Equatable {
    var added = 0
    var skipped = 0
  }

  func run(replacing: Bool) throws(Failure) -> Count {
    if replacing { try clear() }
    var count = Count()
    func record(_ isNew: Bool) { if isNew { count.added += 1 } else { count.skipped += 1 } }
    let lines = try FlatFileImport.lines(of: file)
    // A reader that stopped early (a line too long, not UTF-8) leaves the records parsed before
    // it: checked before any is imported.
    func read<Records>(_ parsing: @autoclosure () throws(FormatError) -> Records) throws(Failure) -> Records {
      let records = try attemptParsing { () throws(FormatError) in try parsing() }
      if let failure = lines.failure { throw failure.failure }
      return records
    }
    switch format {
    case .jabberdConf:
      for user in try read(JabberdConf.parse(lines, file: file)) { record(try importUser(user)) }
    case .dnsConf:
      for host in try read(DNSConf.parse(lines, file: file)) { record(try importHost(host)) }
    case .hosts:
      for host in try read(HostsFile.parse(lines, file: file)) { record(try importHost(host)) }
    case .dhcpConf:
      let (parsed, leases) = try read(DHCPConf.parse(lines, file: file, interface: interface ?? ""))
      for setting in parsed.settings { record(try importSetting(setting, interface: parsed.name)) }
      for lease in leases { record(try importStaticLease(lease)) }
    case .dhcpLeases:
      for lease in try read(DHCPLeaseFile.parse(lines, file: file, interface: interface ?? "", now: now())) {
        record(try importLease(lease))
      }
    case .dnsmasqLeases:
      for lease in try read(DnsmasqLeases.parse(lines, file: file, interface: interface ?? "")) {
        record(try importLease(lease))
      }
    case .dnsmasqHosts:
      for lease in try read(DnsmasqHosts.parse(lines, file: file, interface: interface)) {
        record(try importStaticLease(lease))
      }
    case .ethers:
      for entry in try read(EthersFile.parse(lines, file: file)) {
        record(try importStaticLease(try staticLease(for: entry)))
      }
    }
    return count
  }

  /// The lines of PATH: 66 if it is missing or unreadable.
  static func lines(of path: String) throws(Failure) -> LineReader {
    guard let reader = LineReader(path: path) else {
      throw Failure.noInput("cannot read \(path): \(unreadableReason(slug_errno()))")
    }
    return reader
  }

  /// Removes what this format covers, for --replace.
  private func clear() throws(Failure) {
    try attempt { () throws(StoreError) in
      switch format {
      case .jabberdConf:
        for user in try store.jabberAccounts() { try store.removeJabberUser(named: user.name) }
      case .dnsConf, .hosts:
        for name in Set(try store.dnsHosts().map { $0.name }) { try store.removeDNSHost(name: name, address: nil) }
      case .dhcpConf:
        if let name = interface, try store.dhcpInterface(named: name) != nil { try store.removeDHCPInterface(named: name) }
        try clearStaticLeases()
      case .ethers, .dnsmasqHosts:
        try clearStaticLeases()
      case .dhcpLeases, .dnsmasqLeases:
        for lease in try store.leases(interface: interface) {
          try store.removeLease(interface: lease.interface, address: lease.address)
        }
      }
    }
  }

  private func clearStaticLeases() throws(StoreError) {
    for lease in try store.staticLeases(interface: interface) where lease.interface == interface {
      try store.removeStaticLease(mac: lease.mac, interface: lease.interface)
    }
  }

  /// The password is hashed (and kept in the clear only with `legacy`); a user already there
  /// is compared by deriving from its stored salt, and marked legacy if asked.
  private func importUser(_ user: JabberUser) throws(Failure) -> Bool {
    let position = { line { $0.split(separator: ":").first?.lowercased() == user.name.lowercased() } }
    if let existing = try attempt({ () throws(StoreError) in try store.jabberAccount(named: user.name) }) {
      if JabberPasswords.matches(existing, user.password) {
        guard legacy, !existing.isLegacy else { return false }
        try attempt { () throws(StoreError) in
          try store.setJabberAccount(JabberPasswords.account(name: existing.name, password: user.password, legacy: true))
        }
        return true
      }
      throw conflict("jabber user '\(user.name)' already exists with another password", at: position())
    }
    return try adding(at: position()) { () throws(StoreError) in
      try store.addJabberAccount(JabberPasswords.account(name: user.name, password: user.password, legacy: legacy))
    }
  }

  private func importHost(_ host: DNSHost) throws(Failure) -> Bool {
    let addresses = try attempt { () throws(StoreError) in try store.dnsAddresses(of: host.name) }
    if addresses.contains(host.address) { return false }
    return try adding(at: line { HostName($0) == host.name }) { () throws(StoreError) in try store.addDNSHost(host) }
  }

  private func importSetting(_ setting: DHCPSetting, interface name: String) throws(Failure) -> Bool {
    let position = { line { DHCPKeyword.named(String($0))?.name == setting.keyword } }
    let found = try attempt { () throws(StoreError) in try store.dhcpInterface(named: name) }
    if let existing = found?.values(of: setting.keyword) {
      if existing == setting.values { return false }
      throw conflict(
        "interface '\(name)' already sets \(setting.keyword) to \(existing.joined(separator: " "))", at: position())
    }
    return try adding(at: position()) { () throws(StoreError) in try store.setDHCPSetting(interface: name, setting) }
  }

  private func importStaticLease(_ lease: StaticLease) throws(Failure) -> Bool {
    let position = { line { MACAddress($0) == lease.mac } }
    let leases = try attempt { () throws(StoreError) in try store.staticLeases(interface: lease.interface) }
    if let existing = leases.first(where: { $0.mac == lease.mac && $0.interface == lease.interface }) {
      if existing == lease { return false }
      throw conflict("\(lease.mac) already has the fixed address \(existing.address)", at: position())
    }
    return try adding(at: position()) { () throws(StoreError) in try store.addStaticLease(lease) }
  }

  /// A lease is the binding of an address to a MAC; its times are the server's business (the
  /// original lease file has none, so each read would otherwise differ from the last).
  private func importLease(_ lease: Lease) throws(Failure) -> Bool {
    let position = { line { IPv4Address($0) == lease.address } }
    let leases = try attempt { () throws(StoreError) in try store.leases(interface: lease.interface) }
    if let existing = leases.first(where: { $0.address == lease.address }) {
      if existing.mac == lease.mac { return false }
      throw conflict("\(lease.address) is already leased to \(existing.mac) on \(lease.interface)", at: position())
    }
    return try adding(at: position()) { () throws(StoreError) in try store.putLease(lease) }
  }

  /// An /etc/ethers line names a host or an address; a name must already have an IPv4 address
  /// in the store, since a fixed lease needs one.
  private func staticLease(for entry: (mac: MACAddress, host: String)) throws(Failure) -> StaticLease {
    if let address = IPv4Address(entry.host) {
      return StaticLease(mac: entry.mac, address: address, interface: interface)
    }
    let position = { line { MACAddress($0) == entry.mac } }
    guard let name = HostName(entry.host) else { throw conflict("'\(entry.host)' is not a host name", at: position()) }
    let addresses = try attempt { () throws(StoreError) in try store.dnsAddresses(of: name) }
    let address = addresses.lazy.compactMap { address -> IPv4Address? in
      if case .v4(let v4) = address { return v4 }
      return nil
    }.first
    guard let address else {
      throw conflict("host '\(entry.host)' has no IPv4 address in the store (add it with slugctl dns add)", at: position())
    }
    return StaticLease(mac: entry.mac, address: address, hostname: name, interface: interface)
  }

  /// Runs a store change; a refusal from the store becomes an error at the record's line,
  /// which is looked up only then (finding it is a scan of the whole file).
  private func adding(
    at line: @autoclosure () -> Int?, _ change: () throws(StoreError) -> Void
  ) throws(Failure) -> Bool {
    do throws(StoreError) {
      try change()
      return true
    } catch {
      switch error {
      case .duplicate(let message), .invalid(let message), .notFound(let message): throw conflict(message, at: line())
      default: throw error.failure
      }
    }
  }

  private func conflict(_ message: String, at line: @autoclosure () -> Int?) -> Failure {
    Failure.dataError(line().map { "\(file):\($0): \(message)" } ?? "\(file): \(message)")
  }

  /// The first line outside comments with a word matching `matches`: the parsers return
  /// records, not positions, and a conflict must still point at its line.
  private func line(where matches: (Substring) -> Bool) -> Int? {
    guard let lines = try? FlatFileImport.lines(of: file) else { return nil }
    for line in lines {
      let content = line.text.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
      if words.contains(where: matches) { return line.number }
    }
    return nil
  }

  private func now() -> Int64 { Int64(time(nil)) }
}
