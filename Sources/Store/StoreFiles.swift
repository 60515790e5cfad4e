import CLibc

/// The three files a store is made of (the database, its -wal and its -shm), checked before
/// SQLite opens them. SQLite resolves a symbolic link at the store's name and puts the -wal and
/// -shm beside the link's target, so a link planted there would make root's next `slugctl init`
/// create (and give to the group) any file the link names; a FIFO would hang every opener, and a
/// device would be written to. Each is refused with the path and what it is, and left alone.
enum StoreFiles {
  /// The suffixes of the files SQLite keeps beside the database in WAL mode.
  static let companions = ["-wal", "-shm"]

  /// Throws unless each of the store's files at `path` is missing or a regular file with one
  /// link (a second link would make init's ownership change reach another file). lstat, so a
  /// link is seen as the link; it needs no read permission, so a user who may not open the store
  /// still gets SQLite's own "permission denied".
  static func check(_ path: String) throws(StoreError) {
    for file in [path] + companions.map({ path + $0 }) {
      var status = stat()
      guard lstat(file, &status) == 0 else {
        guard slug_errno() == ENOENT else {
          throw .cannotOpen(path: file, reason: String(cString: strerror(slug_errno())))
        }
        continue
      }
      if let kind = kind(of: status.st_mode) {
        throw .cannotOpen(path: file, reason: "it is \(kind), not the store; it was left as it is")
      }
      guard status.st_nlink == 1 else {
        throw .cannotOpen(
          path: file, reason: "it has \(status.st_nlink) hard links, the store's files have one; it was left as it is")
      }
    }
  }

  /// What a file of `mode` is, when it is not a regular file; nil for a regular file.
  static func kind(of mode: mode_t) -> String? {
    switch mode & mode_t(S_IFMT) {
    case mode_t(S_IFREG): nil
    case mode_t(S_IFLNK): "a symbolic link"
    case mode_t(S_IFDIR): "a directory"
    case mode_t(S_IFCHR): "a character device"
    case mode_t(S_IFBLK): "a block device"
    case mode_t(S_IFIFO): "a FIFO"
    case mode_t(S_IFSOCK): "a socket"
    default: "not a regular file"
    }
  }

  /// The name SQLite is given for `path`: its directory with every link resolved, then the
  /// file's own name. SQLite, opened with SQLITE_OPEN_NOFOLLOW, refuses a link anywhere in the
  /// path; a store directory that is itself a link (/var/lib on a data partition) is the
  /// administrator's choice and stays usable, while a link at the store's own name is refused.
  static func resolved(_ path: String) -> String {
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard let real = realpath(directory, nil) else { return path }
    defer { free(real) }
    let resolved = String(cString: real)
    return (resolved == "/" ? "" : resolved) + "/" + name
  }
}
