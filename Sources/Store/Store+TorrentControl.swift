/// What in.ctcs writes while it serves one ctorrent: which torrent a client is, and the short
/// updates its reports make between full CTSTATUS writes.
extension Store {
  /// The torrent whose metainfo is exactly these bytes, if queued.
  public func torrentID(metainfo: [UInt8]) throws(StoreError) -> Int64? {
    try database.row("SELECT id FROM torrents WHERE metainfo = ?", .blob(metainfo)) { $0.int(0) }
  }

  /// A torrent started by hand (not by the queue): the one already stored with the same
  /// metainfo, else a new one at the end of the queue. `attachTorrentServer` then sets it
  /// running (or keeps it paused).
  public func adoptTorrent(name: String, metainfo: [UInt8], now: Int64) throws(StoreError) -> Int64 {
    try transaction { () throws(StoreError) -> Int64 in
      if let id = try torrentID(metainfo: metainfo) { return id }
      return try addTorrent(name: name, metainfo: metainfo, now: now).id
    }
  }

  /// The in.ctcs process `server` now serves torrent ID's ctorrent: recorded, and the torrent
  /// set running unless it is paused (a paused torrent's ctorrent that connects again is told
  /// to stay paused). Returns the torrent's state.
  public func attachTorrentServer(id: Int64, server: ProcessMark) throws(StoreError) -> TorrentState {
    try transaction { () throws(StoreError) -> TorrentState in
      guard let torrent = try torrent(id: id) else { throw .notFound("no torrent \(id)") }
      try database.run(
        "UPDATE torrents SET server_pid = ?, server_pid_started = ? WHERE id = ?", .integer(Int64(server.pid)),
        .integer(server.started), .integer(id))
      guard torrent.state != .paused else { return .paused }
      if torrent.state != .running { try setTorrentState(id: id, .running) }
      return .running
    }
  }

  /// The in.ctcs `serverPID` (alive, as the caller is that process) no longer serves torrent
  /// ID (a later one's record is kept).
  public func detachTorrentServer(id: Int64, serverPID: Int32) throws(StoreError) {
    try database.run(
      "UPDATE torrents SET server_pid = NULL, server_pid_started = NULL WHERE id = ? AND server_pid = ?",
      .integer(id), .integer(Int64(serverPID)))
  }

  /// The in.ctcs serving torrent ID (nil: none connected).
  public func torrentServer(id: Int64) throws(StoreError) -> ProcessMark? {
    guard
      let mark = try database.row(
        "SELECT server_pid, server_pid_started FROM torrents WHERE id = ?", .integer(id),
        map: { ProcessMark.columns($0.optionalInt(0), $0.optionalInt(1)) })
    else { throw .notFound("no torrent \(id)") }
    return mark
  }

  /// CTBW: the rates and limits now, and when they were seen.
  public func recordTorrentBandwidth(
    id: Int64, downloadRate: Int64, uploadRate: Int64, downloadLimit: Int64, uploadLimit: Int64, now: Int64
  ) throws(StoreError) {
    let changed = try database.run(
      """
      UPDATE torrents SET download_rate = ?, upload_rate = ?, download_limit = ?, upload_limit = ?,
        last_seen = ? WHERE id = ?
      """, .integer(downloadRate), .integer(uploadRate), .integer(downloadLimit), .integer(uploadLimit),
      .integer(now), .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }

  /// CTINFO: the client's last message.
  public func recordTorrentMessage(id: Int64, _ text: String) throws(StoreError) {
    let changed = try database.run("UPDATE torrents SET last_message = ? WHERE id = ?", .text(text), .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }
}
