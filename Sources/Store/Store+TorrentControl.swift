/// What in.ctcs writes while it serves one ctorrent: which torrent a client is, and the short
/// updates its reports make between full CTSTATUS writes.
extension Store {
  /// The torrent whose metainfo is exactly these bytes, if queued.
  public func torrentID(metainfo: [UInt8]) throws(StoreError) -> Int64? {
    try database.row("SELECT id FROM torrents WHERE metainfo = ?", .blob(metainfo)) { $0.int(0) }
  }

  /// A torrent started by hand (not by the queue): added at the end of the queue as running,
  /// or the one already queued with the same metainfo, set running.
  public func adoptTorrent(name: String, metainfo: [UInt8], now: Int64) throws(StoreError) -> Int64 {
    try transaction { () throws(StoreError) -> Int64 in
      if let id = try torrentID(metainfo: metainfo) {
        try setTorrentState(id: id, .running)
        return id
      }
      let torrent = try addTorrent(name: name, metainfo: metainfo, now: now)
      try setTorrentState(id: torrent.id, .running)
      return torrent.id
    }
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
