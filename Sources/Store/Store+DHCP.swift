/// DHCP interfaces and their settings (the in.dhcp.conf.IFACE keywords), kept in the order
/// they were first given.
extension Store {
  public func dhcpInterfaces() throws(StoreError) -> [DHCPInterface] {
    try interfaces(named: nil)
  }

  public func dhcpInterface(named name: String) throws(StoreError) -> DHCPInterface? {
    try interfaces(named: name).first
  }

  /// Sets KEYWORD to VALUES, replacing its earlier values in place (creates the interface if new).
  public func setDHCPSetting(interface: String, _ setting: DHCPSetting) throws(StoreError) {
    try Self.validateInterfaceName(interface)
    let setting = try Self.validated(setting)
    try transaction { () throws(StoreError) in
      try database.run("INSERT OR IGNORE INTO dhcp_interfaces (name) VALUES (?)", .text(interface))
      let replaced = try database.run(
        "UPDATE dhcp_settings SET value_text = ? WHERE interface = ? AND keyword = ?",
        .text(setting.values.joined(separator: " ")), .text(interface), .text(setting.keyword))
      guard replaced == 0 else { return }
      try database.run(
        """
        INSERT INTO dhcp_settings (interface, keyword, value_text, position)
        SELECT ?1, ?2, ?3, ifnull(max(position), 0) + 1 FROM dhcp_settings WHERE interface = ?1
        """,
        .text(interface), .text(setting.keyword), .text(setting.values.joined(separator: " ")))
    }
  }

  public func removeDHCPSetting(interface: String, keyword: String) throws(StoreError) {
    let keyword = try Self.keyword(named: keyword)
    let changed = try database.run(
      "DELETE FROM dhcp_settings WHERE interface = ? AND keyword = ?", .text(interface), .text(keyword.name))
    if changed == 0 { throw .notFound("DHCP interface '\(interface)' has no setting '\(keyword.name)'") }
  }

  /// Removes an interface with all its settings.
  public func removeDHCPInterface(named name: String) throws(StoreError) {
    let changed = try database.run("DELETE FROM dhcp_interfaces WHERE name = ?", .text(name))
    if changed == 0 { throw .notFound("no DHCP interface '\(name)'") }
  }

  private func interfaces(named name: String?) throws(StoreError) -> [DHCPInterface] {
    let rows = try database.rows(
      """
      SELECT i.name, s.keyword, s.value_text FROM dhcp_interfaces i
      LEFT JOIN dhcp_settings s ON s.interface = i.name
      WHERE ?1 IS NULL OR i.name = ?1 ORDER BY i.name, s.position
      """, .text(name)
    ) { row in (interface: row.text(0), setting: Self.setting(row, keyword: 1, values: 2)) }
    var result: [DHCPInterface] = []
    for row in rows {
      if result.last?.name != row.interface {
        result.append(DHCPInterface(name: row.interface, settings: []))
      }
      if let setting = row.setting { result[result.count - 1].settings.append(setting) }
    }
    return result
  }

  /// The setting stored in two columns (keyword, values joined by single spaces); nil when a
  /// LEFT JOIN found none.
  static func setting(_ row: Row, keyword: Int32, values: Int32) -> DHCPSetting? {
    guard let name = row.optionalText(keyword) else { return nil }
    return DHCPSetting(keyword: name, values: row.text(values).split(separator: " ").map(String.init))
  }

  /// The setting as stored: the keyword in its table spelling, values split into single words
  /// (as the flat file's line holds them) and checked against the keyword.
  static func validated(_ setting: DHCPSetting) throws(StoreError) -> DHCPSetting {
    let keyword = try keyword(named: setting.keyword)
    let values = setting.values.flatMap { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }) }
      .map(String.init)
    if let problem = keyword.problem(with: values) { throw .invalid(problem) }
    return DHCPSetting(keyword: keyword.name, values: values)
  }

  static func keyword(named name: String) throws(StoreError) -> DHCPKeyword {
    guard let keyword = DHCPKeyword.named(name) else { throw .invalid("unknown DHCP keyword '\(name)'") }
    return keyword
  }

  /// A Linux interface name: 1-15 bytes, no white space, `/` or `:` (IFNAMSIZ and dev_valid_name).
  static func validateInterfaceName(_ name: String) throws(StoreError) {
    guard (1...15).contains(name.utf8.count),
      name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") })
    else { throw .invalid("invalid interface name '\(name)'") }
  }
}
