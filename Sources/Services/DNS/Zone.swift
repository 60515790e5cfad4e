#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The names in.dns answers for. Built once per process (and again when the data changes), so
/// it does the work a query would otherwise repeat: names are stored lowercase in wire format,
/// each with its records already encoded as they go into a reply, and the reverse names of
/// every address are entries of the same table.
///
/// Local zones: every local domain, the zones local everywhere (RFC6303Zones: private reverse
/// zones, localhost, invalid, home.arpa), plus the reverse zone around each known address (the
/// /24 of an IPv4 address, the /64 of an IPv6 one). An unknown name inside a local zone gets
/// NXDOMAIN with the zone's SOA; outside every local zone, REFUSED (or the relay), so that a
/// stub resolver moves on to its next server.
public struct Zone: Sendable {
  /// Every record's TTL and the SOA minimum; changing it rewrites the stored records.
  public var ttl: UInt32 {
    didSet { names.setTTL(ttl) }
  }
  /// The SOA serial; the daemon may set it to its data version.
  public var serial: UInt32 = 1
  /// NXDOMAIN + SOA inside these, REFUSED outside.
  public var localDomains: [String] {
    didSet { localZones = Zone.wireNames(localDomains + RFC6303Zones.names) }
  }
  /// What a name on the block list answers (the store's setting; the list itself is mapped
  /// by the daemon, see BlockList).
  public var blockAnswer = BlockedAnswer.nxdomain
  /// The SOA MNAME and the NS target of every local zone.
  public var serverName: String {
    didSet { serverNameWire = Zone.serverWire(serverName) }
  }

  var localZones: [[UInt8]]
  var serverNameWire: [UInt8]
  var names = NameTable()

  public init(ttl: UInt32 = 60, localDomains: [String], serverName: String) {
    self.ttl = ttl
    self.localDomains = localDomains
    self.serverName = serverName
    localZones = Zone.wireNames(localDomains + RFC6303Zones.names)
    serverNameWire = Zone.serverWire(serverName)
  }

  /// Adds NAME -> address (ASCII case-insensitive, trailing dot optional). The first name added
  /// for an address answers its PTR query. False if NAME is not a valid domain name.
  @discardableResult
  public mutating func add(name: String, ipv4: UInt32) -> Bool {
    let rdata = (0..<4).map { UInt8(truncatingIfNeeded: ipv4 >> (24 - 8 * $0)) }
    guard let owner = addForward(name: name, type: RecordType.a, rdata: rdata) else { return false }
    var reverse: [UInt8] = []
    reverse.reserveCapacity(4 * 4 + Zone.inAddrArpa.count)
    for octet in rdata.reversed() { Zone.appendLabel(decimal: octet, to: &reverse) }
    reverse += Zone.inAddrArpa
    // The /24 around a known address is a reverse zone of ours: its unknown PTRs get NXDOMAIN.
    addReverse(reverse, owner: owner, zoneLabels: 1)
    return true
  }

  /// Adds NAME -> IPv6 address (16 bytes; anything else is refused with false).
  @discardableResult
  public mutating func add(name: String, ipv6: [UInt8]) -> Bool {
    guard ipv6.count == 16, let owner = addForward(name: name, type: RecordType.aaaa, rdata: ipv6) else {
      return false
    }
    var reverse: [UInt8] = []
    for byte in ipv6.reversed() {
      reverse += [1, Zone.hexDigits[Int(byte & 0x0F)], 1, Zone.hexDigits[Int(byte >> 4)]]
    }
    reverse += Zone.ip6Arpa
    // The /64 around a known address is a reverse zone of ours, the standard LAN prefix.
    addReverse(reverse, owner: owner, zoneLabels: 16)
    return true
  }

  /// Stores the address record under the lowercase name and marks the name's ancestors as
  /// existing (empty non-terminals get NODATA, not NXDOMAIN, RFC 8020). Returns the name in
  /// wire format, case kept, for the PTR record.
  private mutating func addForward(name: String, type: UInt16, rdata: [UInt8]) -> [UInt8]? {
    guard let owner = DomainName.encode(name, lowercased: false) else { return nil }
    let key = owner.map(ASCII.lower)
    let index = names.insert(key[...])
    if type == RecordType.a {
      names.entries[index].ipv4.add(type: type, ttl: ttl, rdata: rdata)
    } else {
      names.entries[index].ipv6.add(type: type, ttl: ttl, rdata: rdata)
    }
    var ancestor = Int(key[0]) + 1
    while key[ancestor] != 0 {
      names.insert(key[ancestor...])
      ancestor += Int(key[ancestor]) + 1
    }
    return owner
  }

  /// Points the reverse name at `owner` unless an earlier name has it, and marks the reverse
  /// zone apex `zoneLabels` labels up, with the empty non-terminals between.
  private mutating func addReverse(_ reverse: [UInt8], owner: [UInt8], zoneLabels: Int) {
    var ancestor = names.insert(reverse[...])
    if names.entries[ancestor].pointer.count == 0 {
      names.entries[ancestor].pointer.add(type: RecordType.ptr, ttl: ttl, rdata: owner)
    }
    var apex = 0
    for _ in 0..<zoneLabels {
      apex += Int(reverse[apex]) + 1
      ancestor = names.insert(reverse[apex...])
    }
    names.entries[ancestor].isReverseZone = true
  }

  static let hexDigits = Array("0123456789abcdef".utf8)
  static let inAddrArpa: [UInt8] = [7] + Array("in-addr".utf8) + [4] + Array("arpa".utf8) + [0]
  static let ip6Arpa: [UInt8] = [3] + Array("ip6".utf8) + [4] + Array("arpa".utf8) + [0]

  private static func appendLabel(decimal: UInt8, to name: inout [UInt8]) {
    let digits = decimal >= 100 ? 3 : decimal >= 10 ? 2 : 1
    name.append(UInt8(digits))
    if digits == 3 { name.append(UInt8(ascii: "0") + decimal / 100) }
    if digits >= 2 { name.append(UInt8(ascii: "0") + decimal / 10 % 10) }
    name.append(UInt8(ascii: "0") + decimal % 10)
  }

  private static func wireNames(_ domains: [String]) -> [[UInt8]] {
    domains.compactMap { DomainName.encode($0, lowercased: true) }
  }

  /// A server name that is not a domain name becomes the root, which keeps the SOA well formed.
  private static func serverWire(_ name: String) -> [UInt8] {
    DomainName.encode(name, lowercased: false) ?? [0]
  }

  /// Where, within the name at `range` of `bytes`, the closest local zone enclosing it begins:
  /// a local domain, or the reverse zone of a known address. Nil outside every local zone.
  func enclosingZone(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    var offset = range.lowerBound
    while offset < range.upperBound {
      let suffixLength = range.upperBound - offset
      for zone in localZones where zone.count == suffixLength {
        if NameTable.equal(zone, bytes, offset) { return offset - range.lowerBound }
      }
      if let index = names.find(bytes, offset..<range.upperBound), names.entries[index].isReverseZone {
        return offset - range.lowerBound
      }
      if bytes[offset] == 0 { break }
      offset += Int(bytes[offset]) + 1
    }
    return nil
  }
}

/// The records of one type at one name, encoded at build time exactly as they go into a
/// reply: owner (a pointer to the question name), type, class, TTL, RDATA.
struct RecordRun: Sendable {
  private(set) var bytes: [UInt8] = []
  private(set) var count = 0

  /// Offsets within a record, which starts with the two-byte pointer to the question name.
  static let ttlOffset = 6
  static let rdataLengthOffset = 10
  static let rdataOffset = 12

  /// Adds a record unless one with the same RDATA is there already.
  mutating func add(type: UInt16, ttl: UInt32, rdata: [UInt8]) {
    guard !contains(rdata) else { return }
    bytes.appendUInt16(UInt16(DomainName.pointerBits) << 8 | UInt16(Header.length))
    bytes.appendUInt16(type)
    bytes.appendUInt16(RecordClass.internet)
    bytes.appendUInt32(ttl)
    bytes.appendUInt16(UInt16(truncatingIfNeeded: rdata.count))
    bytes.append(contentsOf: rdata)
    count += 1
  }

  private func contains(_ rdata: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { records in
      rdata.withUnsafeBufferPointer { wanted in
        var offset = 0
        while offset < records.count {
          let length = Int(records[offset + RecordRun.rdataLengthOffset]) << 8
            | Int(records[offset + RecordRun.rdataLengthOffset + 1])
          let start = offset + RecordRun.rdataOffset
          if length == wanted.count {
            var index = 0
            while index < length, records[start + index] == wanted[index] { index += 1 }
            if index == length { return true }
          }
          offset = start + length
        }
        return false
      }
    }
  }

  mutating func setTTL(_ ttl: UInt32) {
    var offset = 0
    while offset < bytes.count {
      bytes.setUInt16(UInt16(truncatingIfNeeded: ttl >> 16), at: offset + RecordRun.ttlOffset)
      bytes.setUInt16(UInt16(truncatingIfNeeded: ttl), at: offset + RecordRun.ttlOffset + 2)
      offset += RecordRun.rdataOffset + Int(bytes.uint16(at: offset + RecordRun.rdataLengthOffset))
    }
  }
}

/// Open addressing over lowercase wire names. A query's name is hashed and compared straight
/// from the reply buffer, case-folded on the fly, so a lookup allocates nothing.
struct NameTable: Sendable {
  struct Entry: Sendable {
    var keyStart: Int
    var keyLength: Int
    var ipv4 = RecordRun()
    var ipv6 = RecordRun()
    /// At most one record: the first name added for the address.
    var pointer = RecordRun()
    var isReverseZone = false

    /// An empty non-terminal: a name that exists only because names below it do.
    var isEmpty: Bool { ipv4.count == 0 && ipv6.count == 0 && pointer.count == 0 && !isReverseZone }
  }

  private(set) var keys: [UInt8] = []
  var entries: [Entry] = []
  /// The high 32 bits of a key's hash beside its entry index + 1 (0: a free slot), so a probe
  /// rarely touches an entry that does not match. The count is a power of two, at most half used.
  private var slots = [UInt64](repeating: 0, count: 16)

  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(ASCII.lower(byte))) &* 0x0000_0100_0000_01b3 }
    return hash
  }

  /// Whether `key` (lowercase) equals the same number of bytes of `bytes` from `offset`, in any case.
  static func equal(_ key: [UInt8], _ bytes: [UInt8], _ offset: Int) -> Bool {
    var position = offset
    for byte in key {
      guard byte == ASCII.lower(bytes[position]) else { return false }
      position += 1
    }
    return true
  }

  /// The entry index of the name at `range` of `bytes`, in any case.
  func find(_ bytes: [UInt8], _ range: Range<Int>) -> Int? {
    bytes.withUnsafeBufferPointer { buffer in find(UnsafeBufferPointer(rebasing: buffer[range])) }
  }

  private func find(_ name: UnsafeBufferPointer<UInt8>) -> Int? {
    let hash = NameTable.hash(name)
    let tag = hash & 0xFFFF_FFFF_0000_0000
    return slots.withUnsafeBufferPointer { slots in
      keys.withUnsafeBufferPointer { keys in
        entries.withUnsafeBufferPointer { entries in
          let mask = slots.count - 1
          var slot = Int(truncatingIfNeeded: hash) & mask
          while slots[slot] != 0 {
            if slots[slot] & 0xFFFF_FFFF_0000_0000 == tag {
              let index = Int(truncatingIfNeeded: slots[slot] & 0xFFFF_FFFF) - 1
              if entries[index].keyLength == name.count {
                var position = entries[index].keyStart
                var matches = true
                for byte in name {
                  if keys[position] != ASCII.lower(byte) {
                    matches = false
                    break
                  }
                  position += 1
                }
                if matches { return index }
              }
            }
            slot = (slot + 1) & mask
          }
          return nil
        }
      }
    }
  }

  /// The index of the entry for `key` (lowercase wire name), created empty if new.
  @discardableResult
  mutating func insert(_ key: ArraySlice<UInt8>) -> Int {
    if let existing = key.withUnsafeBufferPointer({ find($0) }) { return existing }
    entries.append(Entry(keyStart: keys.count, keyLength: key.count))
    keys += key
    if entries.count * 2 > slots.count {
      slots = [UInt64](repeating: 0, count: slots.count * 2)
      for index in entries.indices { place(index) }
    } else {
      place(entries.count - 1)
    }
    return entries.count - 1
  }

  mutating func setTTL(_ ttl: UInt32) {
    for index in entries.indices {
      entries[index].ipv4.setTTL(ttl)
      entries[index].ipv6.setTTL(ttl)
      entries[index].pointer.setTTL(ttl)
    }
  }

  private mutating func place(_ index: Int) {
    let entry = entries[index]
    let hash = keys.withUnsafeBufferPointer {
      NameTable.hash(UnsafeBufferPointer(rebasing: $0[entry.keyStart..<(entry.keyStart + entry.keyLength)]))
    }
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] != 0 { slot = (slot + 1) & mask }
    slots[slot] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(index + 1)
  }
}
