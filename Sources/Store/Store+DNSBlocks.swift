#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// in.dns's block list: each name blocks itself and every name below it. Names are kept
/// lowercase without the trailing dot (HostName drops it), so each is stored once whatever
/// case a list spells it in. in.dns does not read this table: slugctl writes the `dns-blocks`
/// index file from it after every change (see BlockIndex).
extension Store {
  /// Adds NAMES in one transaction; how many were new and how many were there already (a name
  /// twice in NAMES counts as already there the second time).
  public func addDNSBlocks(_ names: some Sequence<HostName>) throws(StoreError) -> (added: Int, present: Int) {
    try transaction { () throws(StoreError) in
      var added = 0
      var present = 0
      for name in names {
        let changed = try database.run(
          "INSERT INTO dns_blocks (name) VALUES (?) ON CONFLICT (name) DO NOTHING", .text(ASCII.lowercased(name.text)))
        if changed == 0 { present += 1 } else { added += 1 }
      }
      return (added, present)
    }
  }

  /// Removes NAMES in one transaction; the ones that were not blocked, in the order given.
  public func removeDNSBlocks(_ names: [HostName]) throws(StoreError) -> [HostName] {
    try transaction { () throws(StoreError) in
      var missing: [HostName] = []
      for name in names {
        let changed = try database.run("DELETE FROM dns_blocks WHERE name = ?", .text(ASCII.lowercased(name.text)))
        if changed == 0 { missing.append(name) }
      }
      return missing
    }
  }

  /// Every blocked name, sorted.
  public func dnsBlocks() throws(StoreError) -> [String] {
    try database.rows("SELECT name FROM dns_blocks ORDER BY name") { $0.text(0) }
  }

  public func dnsBlockCount() throws(StoreError) -> Int {
    Int(try database.row("SELECT count(*) FROM dns_blocks") { $0.int(0) } ?? 0)
  }
}
