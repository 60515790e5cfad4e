import CLibc

/// The directories the store and the torrent queue make on their way to a file.
public enum Directory {
  /// Makes PATH and each missing parent with exactly `mode`: mkdir obeys the umask, and the
  /// daemons running as other users must still reach what is in them. The error names the
  /// directory that could not be made, and why.
  public static func create(_ path: String, mode: mode_t) throws(StoreError) {
    var directory = ""
    for (index, part) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
      directory += (index == 0 ? "" : "/") + part
      guard !part.isEmpty else { continue }
      if mkdir(directory, mode) == 0 {
        chmod(directory, mode)
      } else if slug_errno() != EEXIST {
        throw .io("\(directory): \(String(cString: strerror(slug_errno())))")
      }
    }
  }
}
