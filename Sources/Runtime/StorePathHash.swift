import CLibc

/// The part of a name that processes of one store share and processes of another do not: 8 hex
/// digits of the FNV-1a hash of the store's real path, so every spelling of one path (links,
/// `./`) comes to the same digits. The meshes' abstract socket names (PeerMesh.prefix) and
/// in.dns's shared cache (DNSCache.objectName) carry it.
public enum StorePathHash {
  public static func digits(of path: String) -> String {
    var canonical = path
    if let resolved = realpath(path, nil) {
      canonical = String(cString: resolved)
      free(resolved)
    }
    var hash: UInt32 = 0x811c_9dc5
    for byte in canonical.utf8 {
      hash ^= UInt32(byte)
      hash = hash &* 0x0100_0193
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 8 - digits.utf8.count) + digits
  }
}
