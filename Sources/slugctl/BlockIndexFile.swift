import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import DNS
import Runtime
import Store
#endif

/// Writes the `dns-blocks` index beside the store from the `dns_blocks` table, after every
/// change to the list: atomically (temp file, fsync, rename), so an in.dns mapping it sees the
/// old list or the new. The file goes to the store's owner and group, readable as the store is
/// but written by nobody else (the group may write the store, not in.dns's list), and the
/// daemons the store's access ACL lets read it (slug-dns) may read it too.
enum BlockIndexFile {
  static func path(besideStore storePath: String) -> String {
    FilePath.directory(of: storePath) + "/" + BlockIndex.fileName
  }

  static func write(for store: Store) throws(Failure) {
    let bytes = BlockIndex.file(names: try attempt { () throws(StoreError) in try store.dnsBlocks() })
    let file = path(besideStore: store.path)
    let owner = try storeOwner(store.path)
    try OwnedFile.write(
      bytes, to: file, mode: owner.mode & 0o644, owner: (owner.uid, owner.gid), readers: owner.readers,
      readersName: "in.dns")
  }

  /// The store file's owner, group, mode and ACL readers, read through a descriptor opened
  /// without following links.
  private static func storeOwner(_ path: String) throws(Failure) -> (uid: uid_t, gid: gid_t, mode: mode_t, readers: [uid_t]) {
    let descriptor = slug_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
    guard descriptor >= 0 else { throw Failure.ioError("cannot open \(path): \(String(cString: strerror(slug_errno())))") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw Failure.ioError("cannot stat \(path): \(String(cString: strerror(slug_errno())))") }
    return (status.st_uid, status.st_gid, status.st_mode & 0o777, AccessList.readers(of: descriptor))
  }
}
