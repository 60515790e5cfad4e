#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// The line's bandwidth shared with the other in.ctcs processes, the slow watch, and the
/// mesh's messages.
extension CTCSSession {
  /// A message from the mesh: another process's `rebalance` or `rising`, or a request for
  /// the torrent this client runs.
  public mutating func meshMessage(_ bytes: [UInt8], now: CTCSTime) -> [CTCSAction] {
    guard !isClosed else { return [] }
    self.now = now
    guard let message = CTCSMeshMessage(bytes) else {
      if let (id, words) = CTCSMeshMessage.addressee(of: bytes), id == torrentID {
        log(.warning, "torrent \(id): unknown command \(CTCSParseError.printable(words))")
      }
      return takeActions()
    }
    switch message {
    case .rebalance:
      rebalance(announce: false)
    case .rising(let id, let download, let upload):
      guard id != torrentID else { break }
      othersRising[id] = (download, upload, now.monotonic)
    case .request(let id, let request):
      guard id == torrentID else { break }
      perform(request, for: id)
    }
    return takeActions()
  }

  mutating func perform(_ request: TorrentRequest, for id: Int64) {
    guard let command = request.command else { return rebalance(announce: true) }
    log(.info, "torrent \(id): \(CTCSParseError.printable(request.words))")
    switch command {
    case .quit:
      quitRequested = true
    case .config(let name, let value) where name == "pause":
      paused = value == "1"
      state = paused ? .paused : complete ? .seeding : .running
      actions.append(.recordState(torrent: id, state))
      if !paused {
        sentDownloadLimit = -1
        sentUploadLimit = -1
      }
    default:
      break
    }
    send(command)
    if case .config(let name, _) = command {
      // ctorrent's own word on the option, for the store.
      send(.sendConfig)
      if name == "pause", !paused { rebalance(announce: true) }
    }
  }

  /// A report's rates: whether they went up since the reference a second or more ago (the
  /// flags stand until the next such comparison).
  mutating func noteRates(download: Int64, upload: Int64) {
    if let earlier = earlierRates, now.monotonic < earlier.at + CTCSTime.nanosecondsPerSecond { return }
    if let earlier = earlierRates {
      downloadRising = BandwidthPlan.rising(from: earlier.download, to: download)
      uploadRising = BandwidthPlan.rising(from: earlier.upload, to: upload)
    }
    earlierRates = (download, upload, now.monotonic)
    // Told while climbing (at most once a second) and once when it stops; before the
    // `rebalance` the report brings, so the others plan with it.
    let told = toldRising ?? (false, false)
    if let id = torrentID, downloadRising || uploadRising || told.download || told.upload {
      actions.append(.broadcast(.rising(torrent: id, download: downloadRising, upload: uploadRising)))
      toldRising = (downloadRising, uploadRising)
    }
  }

  /// Whether another torrent's in.ctcs said in the last 3 s that its rate is climbing.
  func othersRate(of id: Int64, upload: Bool) -> Bool {
    guard let told = othersRising[id], now.monotonic < told.at + 3 * CTCSTime.nanosecondsPerSecond else { return false }
    return upload ? told.upload : told.download
  }

  mutating func writeBandwidth() {
    guard let id = torrentID else { return }
    bandwidthPending = false
    lastBandwidthWrite = now.monotonic
    actions.append(.recordBandwidth(torrent: id, status))
    rebalance(announce: true)
  }

  /// After a report: the slow-torrent watch, then the bandwidth plan.
  mutating func nudge() {
    if let command = watch.observe(downloadRate: status.downloadRate, complete: complete, paused: paused, now: now.unix) {
      let limits = watch.thresholds
      // In the store as the torrent's last message, so the list shows why it was nudged.
      let note =
        command == .restart
        ? "in.ctcs: under \(limits.restartBelow) B/s for \(limits.patience) s after CTUPDATE; sent CTRESTART (a new tracker session)"
        : "in.ctcs: under \(limits.updateBelow) B/s for \(limits.patience) s; sent CTUPDATE (more peers)"
      log(.info, "torrent \(torrentID ?? 0): \(status.downloadRate) B/s: \(note)")
      send(command)
      if let id = torrentID {
        status.lastMessage = note
        actions.append(.recordMessage(torrent: id, note))
      }
    }
    if !bandwidthPending { rebalance(announce: true) }
  }

  /// Recomputes every running torrent's share from the store and sends our client its new
  /// limits when they changed; `announce` tells the other processes to do the same.
  mutating func rebalance(announce: Bool) {
    guard let id = torrentID, !paused, let torrents = backend.torrents() else { return }
    let freshSince = now.unix - 120
    let live = torrents.filter {
      $0.id == id || (($0.state == .running || $0.state == .seeding) && $0.status.lastSeen >= freshSince)
    }
    let line = backend.lineLimits()
    var changed = false
    // Download: among the torrents still downloading; a seeder's download limit is left alone.
    if !complete {
      let downloading = live.filter { $0.id == id || $0.state == .running }
      let demands = downloading.map { torrent in
        torrent.id == id
          ? BandwidthPlan.Demand(
            rate: status.downloadRate, limit: status.downloadLimit, minimum: torrent.minDownloadRate,
            maximum: torrent.maxDownloadRate, rising: downloadRising)
          : BandwidthPlan.Demand(
            rate: torrent.status.downloadRate, limit: torrent.status.downloadLimit,
            minimum: torrent.minDownloadRate, maximum: torrent.maxDownloadRate,
            rising: othersRate(of: torrent.id, upload: false))
      }
      let limits = BandwidthPlan.allocate(total: line.download, among: demands)
      if let index = downloading.firstIndex(where: { $0.id == id }), limits[index] != sentDownloadLimit {
        sentDownloadLimit = limits[index]
        send(.setDownloadLimit(limits[index]))
        changed = true
      }
    }
    let demands = live.map { torrent in
      torrent.id == id
        ? BandwidthPlan.Demand(
          rate: status.uploadRate, limit: status.uploadLimit, minimum: torrent.minUploadRate,
          maximum: torrent.maxUploadRate, rising: uploadRising)
        : BandwidthPlan.Demand(
          rate: torrent.status.uploadRate, limit: torrent.status.uploadLimit, minimum: torrent.minUploadRate,
          maximum: torrent.maxUploadRate, rising: othersRate(of: torrent.id, upload: true))
    }
    let limits = BandwidthPlan.allocate(total: line.upload, among: demands)
    if let index = live.firstIndex(where: { $0.id == id }), limits[index] != sentUploadLimit {
      sentUploadLimit = limits[index]
      send(.setUploadLimit(limits[index]))
      changed = true
    }
    if announce && (changed || live.count > 1) { actions.append(.broadcast(.rebalance)) }
  }
}
