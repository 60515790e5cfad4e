import CLibc

/// Downloads a .torrent by URL with curl, else wget (whichever is installed), into a temporary
/// file: http, https and ftp only, so a URL cannot read the server's own files.
enum TorrentFetch {
  struct Failure: Error {
    var message: String
  }

  static let maximumBytes = 10 << 20
  static let timeoutSeconds = 60

  static func fetch(_ url: String) -> Result<[UInt8], Failure> {
    let lower = ASCII.lowercased(url)
    guard lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("ftp://") else {
      return .failure(Failure(message: "only http, https and ftp URLs are fetched"))
    }
    var template = Array("/tmp/slug-torrent-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { return .failure(Failure(message: "mkstemp: \(String(cString: strerror(slug_errno())))")) }
    close(fd)
    let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    defer { unlink(path) }
    let curl = [
      "curl", "-fsSL", "--proto", "=http,https,ftp", "--max-time", "\(timeoutSeconds)", "--max-filesize",
      "\(maximumBytes)", "-o", path, "--", url,
    ]
    let wget = ["wget", "-q", "-T", "\(timeoutSeconds)", "-O", path, "--", url]
    var status = run(curl)
    if status == nil { status = run(wget) }
    guard let status else { return .failure(Failure(message: "neither curl nor wget is installed")) }
    guard status == 0 else { return .failure(Failure(message: "the download failed (exit status \(status))")) }
    guard let bytes = try? readWholeFile(path) else { return .failure(Failure(message: "the download left no file")) }
    guard bytes.count <= maximumBytes else { return .failure(Failure(message: "over \(maximumBytes) bytes")) }
    return .success(bytes)
  }

  /// The program's exit status (128 + the signal that killed it); nil when it is not
  /// installed.
  static func run(_ argv: [String]) -> Int32? {
    guard case .success(let pid) = Spawn.start(argv, searchPath: true) else { return nil }
    switch Spawn.wait(pid) {
    // posix_spawnp may report a missing program as exit 127 from the child.
    case .exited(127): return nil
    case .exited(let code): return code
    case .killed(let signal): return 128 + signal
    // Reaped elsewhere: the file it left tells.
    case .unknown: return 0
    }
  }
}
