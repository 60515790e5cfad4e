import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
import Superserver
#endif

/// The directories in.ctcs's queue writes to (downloads, and the metainfo files with ctorrent's
/// logs), when they lie inside the store's directory: that one is root's alone, so the queue,
/// running as in.ctcs's user, could not make them there itself. init makes them for that user,
/// with its own group, mode 0750. Directories elsewhere are the administrator's to arrange.
enum TorrentDirectories {
  static func prepare(for store: Store) throws(Failure) {
    guard let name = Catalog.service(named: "ctcs")?.user, let user = getpwnam(name)?.pointee else { return }
    let inside = FilePath.directory(of: store.path) + "/"
    for key in [SettingKey.torrentDownloadDirectory, SettingKey.torrentMetainfoDirectory] {
      let setting = try attempt { () throws(StoreError) in try store.setting(key) }
      // Looked up, not put in a Dictionary(_:uniquingKeysWith:): that casts dynamically (not in Embedded Swift).
      let fallback = SettingKey.torrentDefaults.first { $0.key == key }?.value
      let directory = (setting?.isEmpty == false ? setting : fallback) ?? ""
      guard directory.hasPrefix(inside), !directory.dropFirst(inside.count).contains("/") else { continue }
      try give(directory, to: user.pw_uid, group: user.pw_gid, name: name)
    }
  }

  /// Makes `directory` if missing, then gives it to the user through a descriptor opened without
  /// following a link. A link there (only root can make one now) is the administrator's way of
  /// putting the downloads on another disk, and is left alone.
  private static func give(_ directory: String, to user: uid_t, group: gid_t, name: String) throws(Failure) {
    var status = stat()
    if lstat(directory, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFLNK) { return }
    if mkdir(directory, 0o750) != 0, slug_errno() != EEXIST {
      throw Failure.cannotCreate("cannot make \(directory) for \(name): \(String(cString: strerror(slug_errno())))")
    }
    let descriptor = slug_open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      throw Failure.cannotCreate("cannot give \(directory) to \(name): \(String(cString: strerror(slug_errno()))); it was left as it is")
    }
    defer { close(descriptor) }
    guard fchown(descriptor, user, group) == 0, fchmod(descriptor, 0o750) == 0 else {
      throw Failure.ioError("cannot give \(directory) to \(name): \(String(cString: strerror(slug_errno())))")
    }
  }
}
