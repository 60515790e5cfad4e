import CLibc

extension JabberDirectory {
  /// What the sessions' mesh proves itself with (see PeerMesh): HMAC-SHA-256 under the store's
  /// mesh key, which only the store's readers have. In drop-in mode without a store, under a
  /// digest of the users file, which only its readers have (it holds the passwords); each
  /// proof reads the file anew, so sessions that logged in before and after an edit still meet.
  /// nil, logged, when the key cannot be had: the session then stays out of the mesh.
  func meshKey() -> MeshKey? {
    // The key will be in this process's memory: no other process of our user may read it.
    MeshKey.guardProcess()
    guard hasStore else {
      return MeshKey(name: "the users file's key") { message in
        _ = try? self.readAccounts()
        guard !self.usersFileDigest.isEmpty else { return [] }
        return HMAC.sha256(key: self.usersFileDigest, message: message)
      }
    }
    do throws(StoreError) {
      guard let key = try openedStore()?.meshKey() else { return nil }
      return MeshKey(name: "the store's key") { HMAC.sha256(key: key, message: $0) }
    } catch {
      log.error("mesh: store: \(error.description)")
      return nil
    }
  }
}
