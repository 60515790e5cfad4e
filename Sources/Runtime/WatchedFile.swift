import CLibc

/// A configuration file a long-running daemon re-reads when it changes: editors and atomic
/// writers replace the file (new inode) or rewrite it (new mtime or size), so any of those
/// differing from the last read means "read it again".
public struct WatchedFile {
  public let path: String
  private var lastStamp: Stamp?

  /// What tells one version of a file from the next.
  public struct Stamp: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int
  }

  public init(path: String) { self.path = path }

  /// The file's contents when it changed since the last successful read (or was never read),
  /// else nil.
  public mutating func readIfChanged() throws(FileError) -> [UInt8]? {
    let stamp = try WatchedFile.stamp(of: path)
    guard stamp != lastStamp else { return nil }
    let contents = try readWholeFile(path)
    lastStamp = stamp
    return contents
  }

  public static func stamp(of path: String) throws(FileError) -> Stamp {
    var status = stat()
    guard stat(path, &status) == 0 else { throw FileError(path: path, code: slug_errno()) }
    return Stamp(
      device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
      seconds: Int(status.st_mtim.tv_sec), nanoseconds: Int(status.st_mtim.tv_nsec))
  }
}

/// A failed file operation: which file, and errno.
public struct FileError: Error, Equatable, CustomStringConvertible {
  public var path: String
  public var code: Int32

  public init(path: String, code: Int32) {
    self.path = path
    self.code = code
  }

  public var description: String { "\(path): \(String(cString: strerror(code)))" }

  /// sysexits: 66 when the file is missing or unreadable, else 74.
  public var exitCode: Int32 {
    code == ENOENT || code == EACCES || code == ENOTDIR ? EX_NOINPUT : EX_IOERR
  }
}

/// The whole file, read to its end (files under /proc report a size of 0); one larger than
/// `limit` bytes is not read to its end but refused (EFBIG).
public func readWholeFile(_ path: String, limit: Int = .max) throws(FileError) -> [UInt8] {
  let fd = slug_open(path, O_RDONLY | O_CLOEXEC, 0)
  guard fd >= 0 else { throw FileError(path: path, code: slug_errno()) }
  defer { close(fd) }
  return try readToEnd(fd, name: path, limit: limit)
}

/// What is left to read on descriptor FD (a file, a pipe, standard input), up to its end;
/// more than `limit` bytes is refused (EFBIG). NAME is what an error calls it.
public func readToEnd(_ fd: Int32, name: String, limit: Int = .max) throws(FileError) -> [UInt8] {
  var contents: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let count = chunk.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
    if count > 0 {
      contents += chunk.prefix(count)
      guard contents.count <= limit else { throw FileError(path: name, code: EFBIG) }
    } else if count == 0 {
      return contents
    } else if slug_errno() != EINTR {
      throw FileError(path: name, code: slug_errno())
    }
  }
}
