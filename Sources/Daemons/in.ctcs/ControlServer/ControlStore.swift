import CLibc

/// The store as the control server uses it: the session's backend (which torrent, the queue,
/// the line), opened when a client names its torrent, and the end of a client.
final class ControlStore: CTCSBackend {
  let options: ControlOptions
  let log: Log
  let peer: String
  private(set) var store: Store?

  init(options: ControlOptions, log: Log, peer: String) {
    self.options = options
    self.log = log
    self.peer = peer
  }

  /// Asked once per client; the store is opened here. The queue runner starts ctorrent on
  /// `<torrents>/<ID>.torrent`, so the file name gives the id; any other file is a torrent
  /// started by hand: added to the store (by its metainfo when the file can be read, else by
  /// its name) and marked running.
  func identify(file: String, status: TorrentStatus) -> CTCSIdentification {
    let store: Store
    do throws(StoreError) {
      store = try Store(writingTo: options.storePath)
    } catch {
      log.error("\(error)")
      return .failed(exitCode: error.exitCode)
    }
    self.store = store
    let base = FilePath.name(of: file)
    let stem = base.hasSuffix(".torrent") ? String(base.dropLast(8)) : base
    let found: Int64
    let paused: Bool
    do throws(StoreError) {
      if let id = Int64(stem), try store.torrent(id: id) != nil {
        found = id
      } else {
        let metainfo = file.hasPrefix("/") ? try? readWholeFile(file, limit: 16 << 20) : nil
        let name = stem.isEmpty ? "torrent" : CTCSParseError.printable(stem)
        found = try store.adoptTorrent(name: name, metainfo: metainfo ?? Array(("file:" + file).utf8), now: Int64(time(nil)))
      }
      // Served here now (so a resume never starts a second ctorrent); a paused torrent stays
      // paused.
      paused = try store.attachTorrentServer(
        id: found, server: ProcessMark(pid: getpid(), started: ProcessTable.startTime(getpid()))) == .paused
      try store.updateTorrentStatus(id: found, status)
    } catch {
      log.error("\(peer): cannot record torrent \(CTCSParseError.printable(file)): \(error)")
      return .failed(exitCode: error.exitCode)
    }
    return .torrent(id: found, paused: paused, thresholds: ControlStore.slowThresholds(store, log: log))
  }

  func torrents() -> [Torrent]? {
    guard let store else { return nil }
    do throws(StoreError) {
      return try store.torrents()
    } catch {
      log.error("reading the queue: \(error)")
      return nil
    }
  }

  func lineLimits() -> CTCSLineLimits {
    guard let store else { return options.lineLimits ?? CTCSLineLimits(download: 0, upload: 0) }
    return ControlStore.lineLimits(options, store)
  }

  /// The torrent is no longer served here: detached, and its state from now on (when the
  /// session left it to the queue runner: unchanged while the queue runner's ctorrent lives,
  /// else paused).
  func release(_ id: Int64, state decided: TorrentState?) {
    guard let store else { return }
    var final = decided
    do throws(StoreError) {
      if final == nil, try store.torrentProcess(id: id) == nil { final = .paused }
      try store.transaction { () throws(StoreError) in
        try store.detachTorrentServer(id: id, serverPID: getpid())
        if let final { try store.setTorrentState(id: id, final) }
      }
    } catch {
      log.error("torrent \(id): recording its end: \(error)")
    }
    log.info("torrent \(id): client gone; \(final?.rawValue ?? "left to the queue runner")")
  }

  /// The line's limits (bytes/s, 0: none): the command line's, else the store's settings.
  static func lineLimits(_ options: ControlOptions, _ store: Store) -> CTCSLineLimits {
    if let limits = options.lineLimits { return limits }
    func bytes(_ key: String) -> Int64 {
      let kilobytes = (try? store.integerSetting(key)) ?? nil
      return min(max(kilobytes ?? 0, 0), Int64.max / 1024) * 1024
    }
    return CTCSLineLimits(download: bytes(SettingKey.torrentDownloadLimit), upload: bytes(SettingKey.torrentUploadLimit))
  }

  /// The slow-torrent watch's thresholds from the store's settings; a bad value keeps its
  /// default, with a warning.
  static func slowThresholds(_ store: Store, log: Log) -> SlowTorrentWatch.Thresholds {
    func text(_ key: String) -> String? {
      do throws(StoreError) {
        return try store.setting(key)
      } catch {
        log.warning("reading setting \(key): \(error)")
        return nil
      }
    }
    let (thresholds, problems) = SlowTorrentWatch.Thresholds.parse(
      updateBelowKB: text(SettingKey.torrentSlowUpdateBelow), restartBelowKB: text(SettingKey.torrentSlowRestartBelow),
      patienceSeconds: text(SettingKey.torrentSlowPatience))
    for problem in problems { log.warning(problem) }
    return thresholds
  }
}
