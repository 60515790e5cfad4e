/// What a zone holds, counted for `in.dns -n`: the names with addresses and their address
/// records in each local domain, and outside them all.
public struct ZoneCount: Equatable, Sendable {
  /// The local domain; nil for the names outside every local domain.
  public var domain: String?
  public var names: Int
  public var records: Int

  public init(domain: String?, names: Int, records: Int) {
    self.domain = domain
    self.names = names
    self.records = records
  }
}

extension Zone {
  /// One count per local domain, in their order, then the names outside them all. A name
  /// counts in the closest local domain that encloses it (nas.lan.home in lan.home, not home).
  public func addressCounts() -> [ZoneCount] {
    let domains = localDomains.compactMap { domain in DomainName.encode(domain, lowercased: true).map { (domain, $0) } }
    var counts = domains.map { ZoneCount(domain: $0.0, names: 0, records: 0) }
    var outside = ZoneCount(domain: nil, names: 0, records: 0)
    // The zones local everywhere (localhost's loopback addresses) are not the data's names.
    let builtIn = RFC6303Zones.names.compactMap { DomainName.encode($0, lowercased: true) }
    for entry in names.entries {
      let records = entry.ipv4.count + entry.ipv6.count
      guard records > 0 else { continue }
      let key = Array(names.keys[entry.keyStart..<(entry.keyStart + entry.keyLength)])
      if closestDomain(of: key, among: builtIn) != nil { continue }
      if let index = closestDomain(of: key, among: domains.map { $0.1 }) {
        counts[index].names += 1
        counts[index].records += records
      } else {
        outside.names += 1
        outside.records += records
      }
    }
    return counts + [outside]
  }

  /// The index of the longest of `domains` (lowercase wire names) that is a suffix of `key`.
  private func closestDomain(of key: [UInt8], among domains: [[UInt8]]) -> Int? {
    var offset = 0
    while offset < key.count {
      let suffixLength = key.count - offset
      if let index = domains.firstIndex(where: { $0.count == suffixLength && NameTable.equal($0, key, offset) }) {
        return index
      }
      if key[offset] == 0 { break }
      offset += Int(key[offset]) + 1
    }
    return nil
  }
}
