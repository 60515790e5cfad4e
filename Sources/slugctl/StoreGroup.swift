import Foundation

/// Gives a store to a system group, so the daemons, which run as `nobody` with that group, can
/// read it and write it (in.dhcp records leases) while it stays unreadable to everyone else (it
/// holds jabber passwords).
enum StoreGroup {
  static let defaultName = "slug"

  /// The group's id, after creating it as a system group if it does not exist.
  static func ensure(_ name: String) throws -> gid_t {
    if let found = lookUp(name) { return found }
    try SystemAccounts.run("groupadd", ["--system", name])
    guard let created = lookUp(name) else { throw Failure.osError("groupadd --system \(name) left no group '\(name)'") }
    return created
  }

  private static func lookUp(_ name: String) -> gid_t? {
    getgrnam(name).map { $0.pointee.gr_gid }
  }

  /// Gives the store file and its -wal and -shm files (kept beside it: the store persists its
  /// WAL) to `group`, mode 0660, keeping their owner. The directory gets the group and mode 0770
  /// (a writer must be able to recreate the -wal and -shm files) only when `ownDirectory` says it
  /// belongs to slug; it is left alone if it is not root's or anyone may write to it.
  static func give(storeAt path: String, to group: gid_t, ownDirectory: Bool) throws {
    for file in [path, path + "-wal", path + "-shm"] where access(file, F_OK) == 0 {
      guard chown(file, uid_t.max, group) == 0, chmod(file, 0o660) == 0 else {
        throw Failure.ioError("cannot give \(file) to its group: \(String(cString: strerror(errno)))")
      }
    }
    guard ownDirectory else { return }
    let directory = directory(of: path)
    var status = stat()
    guard stat(directory, &status) == 0, status.st_uid == 0, status.st_mode & S_IWOTH == 0 else { return }
    guard chown(directory, uid_t.max, group) == 0, chmod(directory, 0o770) == 0 else {
      throw Failure.ioError("cannot give \(directory) to its group: \(String(cString: strerror(errno)))")
    }
  }

  /// The directory holding the store at `path`.
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }
}
