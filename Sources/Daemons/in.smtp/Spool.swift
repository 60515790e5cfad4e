import CLibc

/// The message being received, in a file without a name: an O_TMPFILE in the spool
/// directory, or a memfd when that is not possible. Nothing is left behind when the process
/// dies, however it dies. One spool serves every message of the connection.
struct Spool {
  let fd: Int32
  /// The errno of the first failed write since the last reset.
  private(set) var failure: Int32?

  init?(directory: String) {
    var descriptor = slug_open_tmpfile(directory)
    if descriptor < 0 { descriptor = slug_memfd("in.smtp") }
    guard descriptor >= 0 else { return nil }
    fd = descriptor
  }

  mutating func reset() {
    failure = nil
    if ftruncate(fd, 0) != 0 { failure = slug_errno() }
    lseek(fd, 0, SEEK_SET)
  }

  mutating func append(_ bytes: [UInt8]) {
    guard failure == nil else { return }
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
  }

  /// Back to the first byte, for sendmail's stdin.
  func rewind() { lseek(fd, 0, SEEK_SET) }
}
