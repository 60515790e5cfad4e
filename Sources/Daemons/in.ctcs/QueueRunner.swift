import CLibc

/// `in.ctcs --run-queue [-d] [--db PATH]`: starts queued torrents while fewer than
/// `torrent_max_active` run, each as `ctorrent -S ADDRESS -s SAVE [OPTIONS] DIR/ID.torrent`
/// in a session of its own (stdin /dev/null, output to DIR/ID.log), and ends the torrents whose
/// ctorrent died. Run by `slugctl torrent run`/`add`, by the web page after an add or a resume,
/// and by in.ctcs when a client disconnects; it exits when it has started what fits.
func runTorrentQueue(_ argv: [String]) -> Never {
  let arguments: Arguments
  do throws(UsageError) {
    arguments = try Arguments(argv, flags: ["run-queue", "d"], options: ["db"])
    if let extra = arguments.operands.first { throw UsageError("unexpected argument '\(extra)'") }
  } catch {
    Runtime.usageError(error, synopsis: "--run-queue [-d] [--db PATH]")
  }
  let log = Log(program: arguments.program, destination: arguments.has("d") ? .standardError : .syslog)
  do throws(StoreError) {
    let store = try Store(writingTo: Store.resolvePath(option: arguments.value("db")))
    let runner = try QueueRunner(store: store, log: log)
    runner.run()
  } catch {
    log.error("torrent queue: \(error)")
    exit(error.exitCode)
  }
  exit(0)
}

/// The settings a run reads, with their defaults.
struct QueueRunner {
  let store: Store
  let log: Log
  var maxActive = 2
  var ctorrent = "ctorrent"
  var ctorrentOptions: [String] = []
  var downloadDirectory = "/var/lib/slug/downloads"
  var metainfoDirectory = "/var/lib/slug/torrents"
  var serverAddress = "127.0.0.1:2780"

  init(store: Store, log: Log) throws(StoreError) {
    self.store = store
    self.log = log
    if let value = try store.integerSetting(SettingKey.torrentMaxActive) { maxActive = Int(max(0, min(value, 1000))) }
    if let value = try store.setting(SettingKey.torrentCtorrent), !value.isEmpty { ctorrent = value }
    if let value = try store.setting(SettingKey.torrentCtorrentOptions) {
      ctorrentOptions = value.split(separator: " ").map { String($0) }
    }
    if let value = try store.setting(SettingKey.torrentDownloadDirectory), !value.isEmpty { downloadDirectory = value }
    if let value = try store.setting(SettingKey.torrentMetainfoDirectory), !value.isEmpty { metainfoDirectory = value }
    if let value = try store.setting(SettingKey.torrentCTCSAddress), !value.isEmpty { serverAddress = value }
  }

  func run() {
    let claim: Store.QueueClaim
    do throws(StoreError) {
      claim = try store.claimQueuedTorrents(maxActive: maxActive, startTime: ProcessTable.startTime)
    } catch {
      log.error("torrent queue: \(error)")
      exit(error.exitCode)
    }
    for torrent in claim.ended {
      log.notice("torrent \(torrent.id) (\(torrent.name)): ctorrent is gone; \(torrent.state.rawValue)")
    }
    for torrent in claim.toStart {
      start(torrent)
    }
  }

  /// Writes the metainfo, spawns ctorrent and records its pid; a torrent that cannot start is
  /// marked failed with the reason as its last message.
  func start(_ torrent: Torrent) {
    let file = metainfoDirectory + "/\(torrent.id).torrent"
    let outcome: Result<pid_t, StartError>
    if let problem = QueueRunner.makeDirectory(metainfoDirectory) ?? QueueRunner.makeDirectory(downloadDirectory) {
      outcome = .failure(problem)
    } else if let problem = QueueRunner.write(torrent.metainfo, to: file) {
      outcome = .failure(problem)
    } else {
      let save = downloadDirectory + "/" + QueueRunner.safeFileName(torrent.name)
      let argv = [ctorrent, "-S", serverAddress, "-s", save] + ctorrentOptions + [file]
      outcome = QueueRunner.spawn(argv, directory: downloadDirectory, log: metainfoDirectory + "/\(torrent.id).log")
    }
    do throws(StoreError) {
      switch outcome {
      case .success(let pid):
        try store.setTorrentProcess(id: torrent.id, ProcessMark(pid: pid, started: ProcessTable.startTime(pid)))
        log.notice("torrent \(torrent.id) (\(torrent.name)): started ctorrent, pid \(pid)")
      case .failure(let problem):
        try store.transaction { () throws(StoreError) in
          var status = torrent.status
          status.lastMessage = "cannot start: \(problem.message)"
          try store.updateTorrentStatus(id: torrent.id, status)
          try store.setTorrentState(id: torrent.id, .failed)
        }
        log.error("torrent \(torrent.id) (\(torrent.name)): cannot start: \(problem.message)")
      }
    } catch {
      log.error("torrent \(torrent.id): \(error)")
    }
  }

  struct StartError: Error {
    var message: String
  }

  /// A torrent's name as one file name in the download directory: no '/', no leading '.'.
  static func safeFileName(_ name: String) -> String {
    var bytes = name.utf8.map { $0 == UInt8(ascii: "/") || $0 < 0x20 ? UInt8(ascii: "_") : $0 }
    while bytes.first == UInt8(ascii: ".") { bytes.removeFirst() }
    return bytes.isEmpty ? "torrent" : String(decoding: bytes, as: UTF8.self)
  }

  static func makeDirectory(_ path: String) -> StartError? {
    var partial = ""
    for part in path.split(separator: "/") {
      partial += "/" + part
      if mkdir(partial, 0o750) != 0 && slug_errno() != EEXIST {
        return StartError(message: "\(partial): \(String(cString: strerror(slug_errno())))")
      }
    }
    return nil
  }

  /// Written whole to a temporary name, then renamed: ctorrent never reads half a file.
  static func write(_ bytes: [UInt8], to path: String) -> StartError? {
    let temporary = path + ".new"
    let fd = slug_open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
    guard fd >= 0 else { return StartError(message: "\(temporary): \(String(cString: strerror(slug_errno())))") }
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { CLibc.write(fd, $0.baseAddress! + written, $0.count - written) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else {
        let code = slug_errno()
        close(fd)
        return StartError(message: "\(temporary): \(String(cString: strerror(code)))")
      }
      written += count
    }
    close(fd)
    guard rename(temporary, path) == 0 else {
      return StartError(message: "\(path): \(String(cString: strerror(slug_errno())))")
    }
    return nil
  }

  /// posix_spawnp in a new session, in DIRECTORY, stdin /dev/null, stdout and stderr appended
  /// to LOG; nothing waits for it (its parent exits; init reaps it).
  static func spawn(_ argv: [String], directory: String, log: String) -> Result<pid_t, StartError> {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o640)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    slug_spawn_addchdir(&actions, directory)
    slug_spawn_addclosefrom(&actions, 3)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // Default signal handling (we may ignore SIGPIPE), and POSIX_SPAWN_SETSID (0x80, glibc
    // 2.26; its macro is hidden from Swift): a session of its own, out of reach of a CGI
    // timeout's kill of our process group and of a terminal's ^C.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &signals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF) | 0x80)
    var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    var pid: pid_t = 0
    let code = posix_spawnp(&pid, argv[0], &actions, &attributes, &pointers, slug_environ())
    guard code == 0 else { return .failure(StartError(message: "\(argv[0]): \(String(cString: strerror(code)))")) }
    return .success(pid)
  }
}
