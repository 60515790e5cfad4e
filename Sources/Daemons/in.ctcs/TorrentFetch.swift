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
    let lower = url.asciiLowercased
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

  /// The program's exit status; nil when it is not installed.
  static func run(_ argv: [String]) -> Int32? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    slug_spawn_addclosefrom(&actions, 3)
    var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, argv[0], &actions, nil, &pointers, slug_environ()) == 0 else { return nil }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && slug_errno() == EINTR {}
    // WIFEXITED/WEXITSTATUS are macros Swift does not import.
    guard status & 0x7f == 0 else { return 128 + (status & 0x7f) }
    let code = (status >> 8) & 0xff
    // posix_spawnp may report a missing program as exit 127 from the child.
    return code == 127 ? nil : code
  }
}
