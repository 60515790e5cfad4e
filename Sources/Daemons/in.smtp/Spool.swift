import CLibc

/// The message being received, in a file without a name, so nothing is left behind when the
/// process dies, however it dies. A message starts in a memfd; once it grows past
/// `memoryLimit` it moves to an O_TMPFILE in the spool directory (on disk, so a big message
/// does not sit in RAM), and stays in memory only if that directory cannot take it. Creating a
/// file on disk for every small message cost 10% of the server's CPU per message.
/// One spool serves every message of the connection.
struct Spool {
  static let memoryLimit = 1 << 20

  private(set) var fd: Int32
  private var onDisk = false
  private var size = 0
  let directory: String
  /// The errno of the first failed write since the last reset.
  private(set) var failure: Int32?

  init?(directory: String) {
    fd = slug_memfd("in.smtp")
    guard fd >= 0 else { return nil }
    self.directory = directory
  }

  mutating func reset() {
    failure = nil
    size = 0
    if ftruncate(fd, 0) != 0 { failure = slug_errno() }
    lseek(fd, 0, SEEK_SET)
  }

  mutating func append(_ bytes: [UInt8]) {
    guard failure == nil else { return }
    if !onDisk && size + bytes.count > Spool.memoryLimit { moveToDisk() }
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes { CLibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if count < 0 {
        if slug_errno() == EINTR { continue }
        failure = slug_errno()
        return
      }
      offset += count
    }
    size += bytes.count
  }

  /// Copies what is in memory to a new O_TMPFILE and carries on there; on any failure the
  /// message stays in memory.
  private mutating func moveToDisk() {
    onDisk = true
    let file = slug_open_tmpfile(directory)
    guard file >= 0 else { return }
    var offset = off_t(0)
    while Int(offset) < size {
      let copied = sendfile(file, fd, &offset, size - Int(offset))
      if copied <= 0 && !(copied < 0 && slug_errno() == EINTR) {
        close(file)
        return
      }
    }
    close(fd)
    fd = file
  }

  /// Back to the first byte, for sendmail's stdin.
  func rewind() { lseek(fd, 0, SEEK_SET) }
}
