import CLibc

/// Replaces a file so that a reader (or the next boot) sees the old contents or the new, never
/// a mixture: write `.NAME.tmp.PID` in the same directory, fsync it, rename it over NAME, fsync
/// the directory so the rename itself is durable. Only a regular file is replaced: a rename
/// over a symbolic link, a device node, a FIFO or a socket would put a file where a link
/// pointed someone else's writes, or a device was, so those are refused and left as they are.
public enum AtomicFile {
  /// `preparing` runs on the temporary file before anything is written to it (an ACL to set),
  /// so the file is never seen with contents and without it.
  public static func write(
    _ bytes: [UInt8], to path: String, mode: mode_t, preparing: ((Int32) throws(StoreError) -> Void)? = nil
  ) throws(StoreError) {
    if let kind = specialFileKind(path) {
      throw .cannotOpen(path: path, reason: "it is \(kind), not a regular file; it was left as it is")
    }
    let temporary = temporaryPath(for: path)
    let descriptor = try create(temporary, mode: mode, for: path)
    do throws(StoreError) {
      // The mode given to open is cut by the umask; the caller asked for exactly this one.
      guard fchmod(descriptor, mode) == 0 else { throw failure(path, "chmod") }
      try preparing?(descriptor)
      try writeAll(bytes, to: descriptor, path: path)
      guard fsync(descriptor) == 0 else { throw failure(path, "fsync") }
    } catch {
      close(descriptor)
      unlink(temporary)
      throw error
    }
    guard close(descriptor) == 0 else {
      let error = failure(path, "close")
      unlink(temporary)
      throw error
    }
    try replace(path, with: temporary)
  }

  /// Makes PATH a symbolic link to TARGET the same way: the link is made at `.NAME.tmp.PID`
  /// and renamed over PATH, so PATH is always the old file or the new link. PATH may be a
  /// regular file or a link already (a program installed before as a file of its own, or an
  /// earlier link); anything else is refused, as `write` refuses it.
  public static func link(_ path: String, to target: String) throws(StoreError) {
    if let kind = specialFileKind(path, allowingLink: true) {
      throw .cannotOpen(path: path, reason: "it is \(kind), not a regular file or a link; it was left as it is")
    }
    let temporary = temporaryPath(for: path)
    unlink(temporary)
    guard symlink(target, temporary) == 0 else { throw failure(path, "symlink") }
    try replace(path, with: temporary)
  }

  /// `.NAME.tmp.PID` beside PATH.
  private static func temporaryPath(for path: String) -> String {
    let (directoryPrefix, name) = split(path)
    return "\(directoryPrefix).\(name).tmp.\(getpid())"
  }

  /// PATH's directory with its final `/` (empty for a bare name), and its last component.
  private static func split(_ path: String) -> (directoryPrefix: String, name: String) {
    let slash = path.lastIndex(of: "/")
    return (slash.map { String(path[...$0]) } ?? "", slash.map { String(path[path.index(after: $0)...]) } ?? path)
  }

  /// Renames TEMPORARY over PATH (removing TEMPORARY if that fails) and syncs the directory, so
  /// the rename itself is durable.
  private static func replace(_ path: String, with temporary: String) throws(StoreError) {
    guard rename(temporary, path) == 0 else {
      let error = failure(path, "rename")
      unlink(temporary)
      throw error
    }
    let directoryPrefix = split(path).directoryPrefix
    try syncDirectory(directoryPrefix.isEmpty ? "." : directoryPrefix, of: path)
  }

  /// What PATH is when it exists and is neither a regular file nor a directory (a rename over a
  /// directory fails by itself); nil otherwise. lstat, so a link is seen as the link.
  private static func specialFileKind(_ path: String, allowingLink: Bool = false) -> String? {
    var status = stat()
    guard lstat(path, &status) == 0 else { return nil }
    switch status.st_mode & mode_t(S_IFMT) {
    case mode_t(S_IFLNK): return allowingLink ? nil : "a symbolic link"
    case mode_t(S_IFCHR): return "a character device"
    case mode_t(S_IFBLK): return "a block device"
    case mode_t(S_IFIFO): return "a FIFO"
    case mode_t(S_IFSOCK): return "a socket"
    default: return nil
    }
  }

  /// Creates the temporary file, replacing one a dead process with the same PID left behind.
  private static func create(_ temporary: String, mode: mode_t, for path: String) throws(StoreError)
    -> Int32
  {
    let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
    var descriptor = slug_open(temporary, flags, mode)
    if descriptor < 0 && slug_errno() == EEXIST && unlink(temporary) == 0 {
      descriptor = slug_open(temporary, flags, mode)
    }
    guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: reason()) }
    return descriptor
  }

  private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String)
    throws(StoreError)
  {
    var written = 0
    while written < bytes.count {
      let result = bytes.withUnsafeBytes { buffer in
        CLibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
      }
      if result < 0 {
        if slug_errno() == EINTR { continue }
        throw failure(path, "write")
      }
      written += result
    }
  }

  private static func syncDirectory(_ directory: String, of path: String) throws(StoreError) {
    let descriptor = slug_open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
    guard descriptor >= 0 else { throw failure(path, "open directory") }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw failure(path, "fsync directory") }
  }

  private static func failure(_ path: String, _ step: String) -> StoreError {
    .io("\(path): \(step) failed: \(reason())")
  }

  private static func reason() -> String { String(cString: strerror(slug_errno())) }
}
