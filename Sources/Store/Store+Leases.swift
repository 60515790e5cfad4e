#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// DHCP leases: static ones (fixed addresses by MAC, the original's per-host lines) and dynamic
/// ones (what the server handed out from the pool).
extension Store {
  /// Static leases in the order they were added. With an interface, the leases for it and those
  /// for every interface.
  public func staticLeases(interface: String? = nil) throws(StoreError) -> [StaticLease] {
    let rows = try database.rows(
      """
      SELECT l.id, l.mac, l.client_id, l.address, l.hostname, l.interface, s.keyword, s.value_text
      FROM static_leases l LEFT JOIN static_lease_settings s ON s.lease = l.id
      WHERE ?1 IS NULL OR l.interface IS NULL OR l.interface = ?1 ORDER BY l.id, s.position
      """, .text(interface)
    ) { row throws(StoreError) in
      let lease = StaticLease(
        mac: try row.parsed(1, MACAddress.init), clientID: try row.optionalParsed(2, Hex.decode),
        address: try row.parsed(3, IPv4Address.init), hostname: try row.optionalParsed(4, HostName.init),
        interface: row.optionalText(5))
      return (id: row.int(0), lease: lease, setting: Self.setting(row, keyword: 6, values: 7))
    }
    var leases: [StaticLease] = []
    var lastID: Int64?
    for row in rows {
      if row.id != lastID {
        leases.append(row.lease)
        lastID = row.id
      }
      if let setting = row.setting { leases[leases.count - 1].settings.append(setting) }
    }
    return leases
  }

  /// Adds a static lease: one per MAC on each interface (or for all), one per address.
  public func addStaticLease(_ lease: StaticLease) throws(StoreError) {
    if let interface = lease.interface { try Self.validateInterfaceName(interface) }
    try Self.validateClientID(lease.clientID, of: lease.mac)
    var settings: [DHCPSetting] = []
    for setting in lease.settings {
      let setting = try Self.validated(setting)
      if ["pool-start", "pool-end", "address"].contains(setting.keyword) {
        throw .invalid("\(setting.keyword) is not a per-host setting (static lease for \(lease.mac))")
      }
      settings.append(setting)
    }
    let scope = lease.interface.map { " on \($0)" } ?? ""
    try transaction { () throws(StoreError) in
      if try database.row(
        "SELECT 1 FROM static_leases WHERE mac = ? AND interface IS ?", .text(lease.mac.description),
        .text(lease.interface),
        map: { _ in true }) != nil
      {
        throw .duplicate("static lease for \(lease.mac)\(scope) already exists")
      }
      if let holder = try database.row(
        "SELECT mac FROM static_leases WHERE address = ?", .text(lease.address.description), map: { $0.text(0) })
      {
        throw .duplicate("address \(lease.address) is already leased statically to \(holder)")
      }
      try database.run(
        "INSERT INTO static_leases (mac, client_id, address, hostname, interface) VALUES (?, ?, ?, ?, ?)",
        .text(lease.mac.description), .text(lease.clientID.map(Hex.lowercase)),
        .text(lease.address.description), .text(lease.hostname?.text), .text(lease.interface))
      let id = database.lastInsertRowID
      for (position, setting) in settings.enumerated() {
        try database.run(
          "INSERT INTO static_lease_settings (lease, keyword, value_text, position) VALUES (?, ?, ?, ?)",
          .integer(id), .text(setting.keyword), .text(setting.values.joined(separator: " ")),
          .integer(Int64(position + 1)))
      }
    }
  }

  /// Removes the static lease of MAC on INTERFACE (nil: the one for every interface).
  public func removeStaticLease(mac: MACAddress, interface: String?) throws(StoreError) {
    let changed = try database.run(
      "DELETE FROM static_leases WHERE mac = ? AND interface IS ?", .text(mac.description), .text(interface))
    if changed == 0 {
      throw .notFound("no static lease for \(mac)\(interface.map { " on \($0)" } ?? "")")
    }
  }

  /// Dynamic leases, by interface and address.
  public func leases(interface: String? = nil) throws(StoreError) -> [Lease] {
    let leases = try database.rows(
      """
      SELECT interface, address, mac, client_id, hostname, start, expiry, state FROM leases
      WHERE ?1 IS NULL OR interface = ?1
      """, .text(interface)
    ) { row throws(StoreError) in
      Lease(
        interface: row.text(0), address: try row.parsed(1, IPv4Address.init),
        mac: try row.parsed(2, MACAddress.init), clientID: try row.optionalParsed(3, Hex.decode),
        hostname: try row.optionalParsed(4, HostName.init), start: row.int(5), expiry: row.int(6),
        state: try row.parsed(7, LeaseState.init(rawValue:)))
    }
    return leases.sorted { ($0.interface, $0.address) < ($1.interface, $1.address) }
  }

  /// Records a lease, replacing whatever was recorded for its interface and address.
  public func putLease(_ lease: Lease) throws(StoreError) {
    try Self.validateInterfaceName(lease.interface)
    try Self.validateClientID(lease.clientID, of: lease.mac)
    guard lease.expiry >= lease.start else {
      throw .invalid(
        "lease of \(lease.address) to \(lease.mac) expires (\(lease.expiry)) before it starts (\(lease.start))"
      )
    }
    try database.run(
      """
      INSERT INTO leases (interface, address, mac, client_id, hostname, start, expiry, state)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (interface, address) DO UPDATE SET mac = excluded.mac,
        client_id = excluded.client_id, hostname = excluded.hostname, start = excluded.start,
        expiry = excluded.expiry, state = excluded.state
      """,
      .text(lease.interface), .text(lease.address.description), .text(lease.mac.description),
      .text(lease.clientID.map(Hex.lowercase)), .text(lease.hostname?.text), .integer(lease.start),
      .integer(lease.expiry), .text(lease.state.rawValue))
  }

  public func removeLease(interface: String, address: IPv4Address) throws(StoreError) {
    let changed = try database.run(
      "DELETE FROM leases WHERE interface = ? AND address = ?", .text(interface), .text(address.description))
    if changed == 0 { throw .notFound("no lease of \(address) on \(interface)") }
  }

  /// A DHCP client identifier (option 61) is 1-255 bytes.
  private static func validateClientID(_ clientID: [UInt8]?, of mac: MACAddress) throws(StoreError) {
    guard let clientID else { return }
    guard (1...255).contains(clientID.count) else {
      throw .invalid("client identifier of \(mac) must be 1-255 bytes, not \(clientID.count)")
    }
  }
}
