#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The key the processes of a mesh (in.jabberd's sessions, in.ctcs's connections and the
/// slugctl commands that notify them; see PeerMesh) prove they hold before any message
/// passes: only those who can read the store have it, so a process that merely runs as the
/// same user, or a CGI program of in.www, cannot join.
///
/// It is made on first use by a writer rather than by a schema migration: the first process
/// to join a mesh (or root's slugctl) creates it in one statement, so two processes joining a
/// new store at once read the same key; a file needs no new schema version for it, and an
/// administrator who deletes the row (to change the key) gets a new one at the next join.
extension Store {
  /// The key's length in bytes: HMAC-SHA-256's block is 64, its output 32.
  public static let meshKeyBytes = 32

  /// The key, made now from SQLite's randomness (sqlite3_randomness, seeded from the kernel)
  /// when the store has none yet. A row that is not 64 hex digits is an error, never replaced:
  /// someone put it there.
  public func meshKey() throws(StoreError) -> [UInt8] {
    if let text = try setting(SettingKey.meshKey) { return try decodedMeshKey(text) }
    let text = try transaction { () throws(StoreError) -> String in
      _ = try database.run(
        "INSERT INTO settings (key, value) VALUES (?, lower(hex(randomblob(?)))) ON CONFLICT (key) DO NOTHING",
        .text(SettingKey.meshKey), .integer(Int64(Store.meshKeyBytes)))
      return try setting(SettingKey.meshKey) ?? ""
    }
    return try decodedMeshKey(text)
  }

  private func decodedMeshKey(_ text: String) throws(StoreError) -> [UInt8] {
    guard let key = Hex.decode(text), key.count == Store.meshKeyBytes else {
      throw .invalid("\(path): setting \(SettingKey.meshKey) is not \(Store.meshKeyBytes * 2) hex digits")
    }
    return key
  }
}

extension SettingKey {
  /// The mesh key, 64 lower-case hex digits (see Store.meshKey); never printed.
  public static let meshKey = "mesh_key"
}
