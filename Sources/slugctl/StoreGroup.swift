import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
#endif

/// Gives a store to a system group, so the daemons that write it (in.dhcp records leases,
/// in.jabberd offline messages, in.ctcs torrents) can, while it stays unreadable to everyone
/// else; the daemons that only read it (in.dns) get read access alone, through an access ACL.
///
/// The store's directory is root's and only root writes to it: the -wal and -shm files persist
/// (the store sets SQLITE_FCNTL_PERSIST_WAL), so a daemon never has to create a file there, and a
/// member of the group cannot put a link in place of a store file for root to follow.
enum StoreGroup {
  static let defaultName = "slug"

  /// The group's id, after creating it as a system group if it does not exist.
  static func ensure(_ name: String) throws(Failure) -> gid_t {
    if let found = lookUp(name) { return found }
    try SystemAccounts.run("groupadd", ["--system", name])
    guard let created = lookUp(name) else { throw Failure.osError("groupadd --system \(name) left no group '\(name)'") }
    return created
  }

  private static func lookUp(_ name: String) -> gid_t? {
    getgrnam(name).map { $0.pointee.gr_gid }
  }

  /// Run as root before the store is opened, so nobody else can change the directory's entries
  /// while init works in it. A directory that is slug's own (`own`: the default one) or that an
  /// earlier init gave to `group` (root's, mode 0770) becomes root:root 0755. Any other
  /// directory is left as it is, and refused when someone else than root owns it or may write to
  /// it (a sticky /tmp included: a file planted there before the store is made would be used).
  static func secureDirectory(of path: String, own: Bool, group: gid_t?) throws(Failure) {
    let directory = FilePath.directory(of: path)
    let descriptor = slug_open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
    guard descriptor >= 0 else {
      // Missing: the store makes it, root's, mode 0755. Not a directory: opening says so.
      guard slug_errno() == ENOENT || slug_errno() == ENOTDIR else {
        throw Failure.ioError("cannot open \(directory): \(String(cString: strerror(slug_errno())))")
      }
      return
    }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw Failure.ioError("cannot stat \(directory): \(reason())") }
    let mode = status.st_mode & 0o7777
    let earlierInit = group.map { status.st_uid == 0 && status.st_gid == $0 && mode == 0o770 } ?? false
    if status.st_uid == 0, own || earlierInit {
      guard fchown(descriptor, 0, 0) == 0, fchmod(descriptor, 0o755) == 0 else {
        throw Failure.ioError("cannot give \(directory) to root, mode 0755: \(String(cString: strerror(slug_errno())))")
      }
      return
    }
    guard status.st_uid == 0, mode & 0o022 == 0 else {
      let owner = getpwuid(status.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "\(status.st_uid)"
      throw Failure.cannotCreate(
        "\(directory) (owner \(owner), mode \(String(mode, radix: 8))) may be changed by others than root, who could "
          + "put a link or a file of theirs where the store's files go; keep the store in a directory only root "
          + "may write to, such as \(FilePath.directory(of: Store.defaultPath))")
    }
  }

  /// Gives the store file and its -wal and -shm files (kept beside it: the store persists its
  /// WAL) to root and `group`, mode 0660, and lets `readers` read them (an access ACL), each
  /// through a descriptor opened without following links and seen to be a regular file with one
  /// link, so nothing but the store's own files changes hands.
  static func give(storeAt path: String, to group: gid_t, readers: [uid_t]) throws(Failure) {
    let access = readers.isEmpty ? nil : AccessList(readers: readers)
    for file in [path, path + "-wal", path + "-shm"] {
      let descriptor = slug_open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
      guard descriptor >= 0 else {
        if slug_errno() == ENOENT { continue }
        throw Failure.ioError("cannot give \(file) to its group: \(String(cString: strerror(slug_errno())))")
      }
      defer { close(descriptor) }
      var status = stat()
      guard fstat(descriptor, &status) == 0 else { throw Failure.ioError("cannot stat \(file): \(reason())") }
      guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG), status.st_nlink == 1 else {
        throw Failure.cannotCreate("\(file) is not a regular file of the store's; it was left as it is")
      }
      guard fchown(descriptor, 0, group) == 0, fchmod(descriptor, 0o660) == 0 else {
        throw Failure.ioError("cannot give \(file) to its group: \(String(cString: strerror(slug_errno())))")
      }
      do throws(AccessList.Failed) {
        if let access { try access.set(on: descriptor) } else { try AccessList.remove(from: descriptor) }
      } catch {
        throw Failure.ioError("cannot let the reading daemons read \(file): \(error.reason)")
      }
    }
  }

  private static func reason() -> String { String(cString: strerror(slug_errno())) }
}
