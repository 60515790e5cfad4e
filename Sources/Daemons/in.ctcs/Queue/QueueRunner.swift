import CLibc

/// `in.ctcs --run-queue`: starts queued torrents while fewer than `torrent_max_active` run,
/// each as `ctorrent -S ADDRESS -s SAVE [OPTIONS] DIR/ID.torrent` in a session of its own
/// (stdin /dev/null, output to DIR/ID.log), and ends the torrents whose ctorrent died. Run by
/// `slugctl torrent run`/`add`, by the web page after an add or a resume, and by the control
/// server when a client leaves; it exits when it has started what fits.
struct QueueRunner {
  let store: Store
  let log: Log
  /// The settings a run reads, with their defaults.
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

  func run() throws(StoreError) {
    let claim = try store.claimQueuedTorrents(maxActive: maxActive, startTime: ProcessTable.startTime)
    for torrent in claim.ended {
      log.notice("torrent \(torrent.id) (\(torrent.name)): ctorrent is gone; \(torrent.state.rawValue)")
    }
    for torrent in claim.toStart {
      start(torrent)
    }
  }

  /// Starts ctorrent on the torrent and records its pid; a torrent that cannot start is
  /// marked failed with the reason as its last message.
  func start(_ torrent: Torrent) {
    do throws(StoreError) {
      switch spawn(torrent) {
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

  /// Writes the metainfo where ctorrent reads it (whole or not at all: ctorrent never reads
  /// half a file), and starts ctorrent on it, found in PATH, in a session of its own; nothing
  /// waits for it (its parent exits; init reaps it).
  func spawn(_ torrent: Torrent) -> Result<pid_t, StartError> {
    let file = metainfoDirectory + "/\(torrent.id).torrent"
    do throws(StoreError) {
      try Directory.create(metainfoDirectory, mode: 0o750)
      try Directory.create(downloadDirectory, mode: 0o750)
      try AtomicFile.write(torrent.metainfo, to: file, mode: 0o640)
    } catch {
      return .failure(StartError(message: "\(error)"))
    }
    let save = downloadDirectory + "/" + QueueRunner.safeFileName(torrent.name)
    let argv = [ctorrent, "-S", serverAddress, "-s", save] + ctorrentOptions + [file]
    switch Spawn.start(
      argv, searchPath: true, standardOutput: .appending(metainfoDirectory + "/\(torrent.id).log"),
      standardError: .standardOutput, directory: downloadDirectory, grouping: .session)
    {
    case .success(let pid): return .success(pid)
    case .failure(let failure): return .failure(StartError(message: "\(argv[0]): \(failure)"))
    }
  }

  /// A torrent's name as one file name in the download directory: no '/', no leading '.'.
  static func safeFileName(_ name: String) -> String {
    var bytes = name.utf8.map { $0 == UInt8(ascii: "/") || $0 < 0x20 ? UInt8(ascii: "_") : $0 }
    while bytes.first == UInt8(ascii: ".") { bytes.removeFirst() }
    return bytes.isEmpty ? "torrent" : String(decoding: bytes, as: UTF8.self)
  }
}

/// The queue runner as a program: no socket; the store's settings are its configuration.
extension QueueRunner: DaemonProgram {
  static let standardInput: [StandardInput] = []
  static let inetdLine = "none: run by slugctl, the web page and the control server"

  static func load(_ options: QueueOptions, log: Log) throws(StartupError) -> QueueRunner {
    do throws(StoreError) {
      return try QueueRunner(store: try Store(writingTo: options.storePath), log: log)
    } catch {
      throw StartupError("torrent queue: \(error)", exitCode: error.exitCode)
    }
  }

  static func describe(_ options: QueueOptions, _ runner: QueueRunner) -> String {
    """
    store \(options.storePath)
    max-active \(runner.maxActive)
    ctorrent \(runner.ctorrent)
    ctorrent-options \(runner.ctorrentOptions.isEmpty ? "none" : runner.ctorrentOptions.joined(separator: " "))
    download-directory \(runner.downloadDirectory)
    metainfo-directory \(runner.metainfoDirectory)
    ctcs-address \(runner.serverAddress)
    """
  }

  static func serve(_ options: QueueOptions, _ runner: QueueRunner, on input: StandardInput?, log: Log) -> Int32 {
    do throws(StoreError) {
      try runner.run()
    } catch {
      log.error("torrent queue: \(error)")
      return error.exitCode
    }
    return 0
  }
}
