import CLibc

/// The `dns-blocks` index slugctl writes beside the store, mapped read-only: every in.dns
/// shares its pages and none parses it. slugctl replaces the file (a new inode), so before
/// each batch of queries its stamp is compared with the mapped one, as the store's version is.
final class BlockFile {
  let path: String
  private var stamp: WatchedFile.Stamp?
  private var mapping: UnsafeMutableRawPointer?
  private var mappedLength = 0
  private(set) var index: BlockIndex.Reader?
  /// The last complaint, so a bad file is logged once, not at every batch.
  private var lastProblem: String?

  /// The index beside the store at `storePath`.
  init(besideStore storePath: String) {
    let slash = storePath.lastIndex(of: "/")
    path = (slash.map { String(storePath[...$0]) } ?? "") + BlockIndex.fileName
  }

  deinit { unmap() }

  /// Maps the file again when it was replaced or changed since the last look; a missing file
  /// is an empty list. Anything but a regular file, or one that is not an index, blocks
  /// nothing and is logged.
  func refresh(log: Log) {
    let current = try? WatchedFile.stamp(of: path)
    guard current != stamp else { return }
    stamp = current
    unmap()
    guard current != nil else { return }
    let problem = map()
    if let problem, problem != lastProblem { log.error("\(path): \(problem); blocking nothing") }
    lastProblem = problem
  }

  private func map() -> String? {
    let fd = slug_open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0)
    guard fd >= 0 else { return slug_errno() == ENOENT ? nil : String(cString: strerror(slug_errno())) }
    defer { close(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { return String(cString: strerror(slug_errno())) }
    guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return "not a regular file" }
    let length = Int(status.st_size)
    guard length > 0 else { return "not a block index (empty)" }
    // MAP_FAILED is (void *)-1, a macro Swift does not import.
    let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0)
    guard let base = mapped, Int(bitPattern: base) != -1 else {
      return "cannot map: \(String(cString: strerror(slug_errno())))"
    }
    mapping = base
    mappedLength = length
    guard let reader = BlockIndex.Reader(UnsafeRawBufferPointer(start: base, count: length)) else {
      unmap()
      return "not a block index (bad header or size)"
    }
    index = reader
    return nil
  }

  private func unmap() {
    index = nil
    if let mapping { munmap(mapping, mappedLength) }
    mapping = nil
    mappedLength = 0
  }
}
