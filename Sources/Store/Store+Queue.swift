/// The queue runner's decisions, each made in one write transaction so two runners started at
/// once (slugctl, the web page, in.ctcs on a disconnect) never start one torrent twice.
extension Store {
  /// What `claimQueuedTorrents` decided.
  public struct QueueClaim: Sendable {
    /// Running or seeding torrents whose recorded ctorrent is gone: now done (every piece was
    /// there) or failed.
    public var ended: [Torrent] = []
    /// Queued torrents now marked running, to be started by the caller (which records the
    /// process with `setTorrentProcess`, or marks the torrent failed when it cannot start it).
    public var toStart: [Torrent] = []
  }

  /// Ends the torrents whose recorded ctorrent is dead (see `ProcessMark.isAlive`: `startTime`
  /// gives a live process's start time, nil when there is none), then claims
  /// queued torrents, in queue order, while fewer than `maxActive` are running or seeding.
  /// A running torrent without a pid (ctorrent started by hand) counts but is left alone; a
  /// queued one whose ctorrent still lives is set running, not started again.
  public func claimQueuedTorrents(maxActive: Int, startTime: (Int32) -> Int64?) throws(StoreError) -> QueueClaim {
    try transaction { () throws(StoreError) -> QueueClaim in
      var claim = QueueClaim()
      var active = 0
      for torrent in try torrents() where torrent.state == .running || torrent.state == .seeding {
        if let process = try torrentProcess(id: torrent.id), !process.isAlive(startTime: startTime) {
          let complete = torrent.status.piecesTotal > 0 && torrent.status.piecesHave == torrent.status.piecesTotal
          try setTorrentState(id: torrent.id, complete ? .done : .failed)
          try setTorrentProcess(id: torrent.id, nil)
          var ended = torrent
          ended.state = complete ? .done : .failed
          claim.ended.append(ended)
        } else {
          active += 1
        }
      }
      for torrent in try torrents() where torrent.state == .queued {
        // Resumed while its ctorrent still runs (paused, connected): running again, not twice.
        if try hasLiveClient(id: torrent.id, startTime: startTime) {
          try setTorrentState(id: torrent.id, .running)
          active += 1
          continue
        }
        guard active < maxActive else { continue }
        try setTorrentState(id: torrent.id, .running)
        try setTorrentProcess(id: torrent.id, nil)
        var started = torrent
        started.state = .running
        claim.toStart.append(started)
        active += 1
      }
      return claim
    }
  }

  /// Resumes a paused, failed or done torrent (one queued, running or seeding is left as it
  /// is): running when its ctorrent still lives (the queue runner's, or any ctorrent whose
  /// in.ctcs is connected, such as one started by hand), so nothing starts a second one; else
  /// queued, for the queue runner to start (a failed one is tried again). Returns the new state.
  @discardableResult
  public func resumeTorrent(id: Int64, startTime: (Int32) -> Int64?) throws(StoreError) -> TorrentState {
    try transaction { () throws(StoreError) -> TorrentState in
      guard let torrent = try torrent(id: id) else { throw .notFound("no torrent \(id)") }
      guard [.paused, .failed, .done].contains(torrent.state) else { return torrent.state }
      let state: TorrentState = try hasLiveClient(id: id, startTime: startTime) ? .running : .queued
      try setTorrentState(id: id, state)
      return state
    }
  }

  /// Whether torrent ID's ctorrent is alive: the one the queue runner started, or one an
  /// in.ctcs is serving now.
  func hasLiveClient(id: Int64, startTime: (Int32) -> Int64?) throws(StoreError) -> Bool {
    if let process = try torrentProcess(id: id), process.isAlive(startTime: startTime) { return true }
    if let server = try torrentServer(id: id), server.isAlive(startTime: startTime) { return true }
    return false
  }
}
