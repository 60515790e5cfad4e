#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The `dns-blocks` file: the block list as a hash table that in.dns maps read-only, so 200,000
/// names cost no load time per process and their pages are shared by every in.dns. slugctl
/// writes it beside the store whenever the list changes.
///
/// Format, little endian: magic `SLUGBLK1`, UInt64 count N, UInt64 table size M (a power of
/// two, at least 2N), then M UInt64 slots of an open-addressing table (linear probing, 0 =
/// empty) holding the 64-bit FNV-1a hash of each lowercase wire-format name (length bytes and
/// labels, terminating zero included), 0 mapped to 1. Two names whose hashes collide block
/// each other; with 64-bit hashes and a household's lists that never happens in practice.
public enum BlockIndex {
  public static let fileName = "dns-blocks"
  static let magic: [UInt8] = Array("SLUGBLK1".utf8)
  static let headerLength = 24

  /// FNV-1a over the wire name, case-folded; 0 (the empty slot) becomes 1.
  public static func hash(wireName: some Sequence<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in wireName { hash = (hash ^ UInt64(ASCII.lower(byte))) &* 0x0000_0100_0000_01b3 }
    return hash == 0 ? 1 : hash
  }

  /// The file's bytes for NAMES (dotted, any case, trailing dot optional); a name that is not
  /// a domain name is left out.
  public static func file(names: some Collection<String>) -> [UInt8] {
    var hashes: [UInt64] = []
    hashes.reserveCapacity(names.count)
    for name in names {
      guard let wire = DomainName.encode(name, lowercased: true) else { continue }
      hashes.append(hash(wireName: wire))
    }
    // Each hash once: the same name twice (in other case) is one entry.
    hashes.sort()
    var unique = 0
    for hash in hashes where unique == 0 || hashes[unique - 1] != hash {
      hashes[unique] = hash
      unique += 1
    }
    var size = 2
    while size < 2 * unique { size *= 2 }
    var slots = [UInt64](repeating: 0, count: size)
    for hash in hashes.prefix(unique) {
      var slot = Int(truncatingIfNeeded: hash) & (size - 1)
      while slots[slot] != 0 { slot = (slot + 1) & (size - 1) }
      slots[slot] = hash
    }
    var bytes = magic
    bytes.reserveCapacity(headerLength + 8 * size)
    for word in [UInt64(unique), UInt64(size)] + slots {
      withUnsafeBytes(of: word.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  /// The table inside a file's bytes (which the caller keeps mapped while it is used).
  public struct Reader {
    private let slots: UnsafeRawBufferPointer
    /// How many names the file holds.
    public let count: Int

    /// Nil unless BYTES are a whole, well-formed index: the magic, a power-of-two table at least
    /// twice the count, and exactly the slots that size says.
    public init?(_ bytes: UnsafeRawBufferPointer) {
      guard bytes.count >= BlockIndex.headerLength else { return nil }
      for index in 0..<8 where bytes[index] != BlockIndex.magic[index] { return nil }
      let count = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
      let size = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
      guard size > 0, size & (size - 1) == 0, size < UInt64(Int.max / 8), count <= size / 2,
        bytes.count == BlockIndex.headerLength + 8 * Int(size)
      else { return nil }
      self.count = Int(count)
      slots = UnsafeRawBufferPointer(rebasing: bytes[BlockIndex.headerLength...])
    }

    /// Whether a name with this hash is in the table. At most one pass over the slots, so even
    /// a file without an empty slot cannot make it spin.
    public func contains(hash: UInt64) -> Bool {
      let size = slots.count / 8
      var slot = Int(truncatingIfNeeded: hash) & (size - 1)
      for _ in 0..<size {
        let stored = UInt64(littleEndian: slots.loadUnaligned(fromByteOffset: slot * 8, as: UInt64.self))
        if stored == hash { return true }
        if stored == 0 { return false }
        slot = (slot + 1) & (size - 1)
      }
      return false
    }

    /// Where the blocked name begins within the uncompressed wire name at `range` of `message`
    /// (any case): the name itself (0) or the nearest parent that is listed, the root never.
    /// Nil when neither it nor any parent is blocked.
    public func blockedSuffix(_ message: [UInt8], _ range: Range<Int>) -> Int? {
      guard count > 0 else { return nil }
      var offset = range.lowerBound
      while offset < range.upperBound, message[offset] != 0 {
        let next = offset + Int(message[offset]) + 1
        guard next < range.upperBound else { return nil }
        if contains(hash: BlockIndex.hash(wireName: message[offset..<range.upperBound])) {
          return offset - range.lowerBound
        }
        offset = next
      }
      return nil
    }
  }
}
