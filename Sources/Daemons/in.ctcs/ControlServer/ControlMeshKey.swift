import CLibc

extension ControlServer {
  /// What the in.ctcs mesh proves itself with (see PeerMesh): HMAC-SHA-256 under the store's
  /// mesh key, which only the store's readers have, so no other process of our user (nor the
  /// web server's CGI programs) can send a torrent command or read one. The process stops being
  /// dumpable first: the key must not be read out of its memory.
  static func meshKey(of store: Store) throws(StoreError) -> MeshKey {
    MeshKey.guardProcess()
    let key = try store.meshKey()
    return MeshKey(name: "the store's key") { HMAC.sha256(key: key, message: $0) }
  }
}
