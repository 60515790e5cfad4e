/// The torrent queue: lower positions start first; the live status columns are what the
/// torrent's ctorrent last reported through in.ctcs.
extension Store {
  private static let torrentColumns = """
    id, name, metainfo, state, position, min_download_rate, max_download_rate, min_upload_rate,
    max_upload_rate, added, peer_id, last_message, download_rate, upload_rate, download_limit,
    upload_limit, pieces_total, pieces_have, pieces_available, downloaded, uploaded, seeders,
    tracker_seeders, leechers, tracker_leechers, connecting, cache_used_kb, last_seen
    """

  /// The queue, in order.
  public func torrents() throws(StoreError) -> [Torrent] {
    try database.rows("SELECT \(Self.torrentColumns) FROM torrents ORDER BY position, id", map: Self.torrent)
  }

  public func torrent(id: Int64) throws(StoreError) -> Torrent? {
    try database.row("SELECT \(Self.torrentColumns) FROM torrents WHERE id = ?", .integer(id), map: Self.torrent)
  }

  /// Queues at the end; duplicate if the same metainfo bytes are already queued.
  public func addTorrent(name: String, metainfo: [UInt8], now: Int64) throws(StoreError) -> Torrent {
    guard !name.isEmpty, !name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
      throw .invalid("invalid torrent name '\(name)': empty or has control characters")
    }
    guard !metainfo.isEmpty else { throw .invalid("torrent '\(name)' has empty metainfo") }
    return try transaction { () throws(StoreError) -> Torrent in
      if let queued = try database.row(
        "SELECT id, name FROM torrents WHERE metainfo = ?", .blob(metainfo), map: { ($0.int(0), $0.text(1)) })
      {
        throw .duplicate("torrent '\(queued.1)' is already queued (id \(queued.0))")
      }
      try database.run(
        """
        INSERT INTO torrents (name, metainfo, state, position, added)
        SELECT ?, ?, 'queued', ifnull(max(position), 0) + 1, ? FROM torrents
        """, .text(name), .blob(metainfo), .integer(now))
      guard let torrent = try torrent(id: database.lastInsertRowID) else {
        throw .io("\(path): torrent '\(name)' vanished after it was added")
      }
      return torrent
    }
  }

  /// Where `moveTorrent` puts a torrent in the queue.
  public enum QueuePlace: Equatable, Sendable {
    case first, last
    /// One place nearer the front, or the back.
    case up, down
    /// Place N, 1 being the front (beyond either end: that end).
    case at(Int)
  }

  /// Moves torrent ID to PLACE in the queue, the others keeping their order, and numbers the
  /// positions 1...n. Returns its place now (1 is the front): the queue runner starts queued
  /// torrents in this order.
  @discardableResult
  public func moveTorrent(id: Int64, to place: QueuePlace) throws(StoreError) -> Int {
    try transaction { () throws(StoreError) -> Int in
      var order = try database.rows("SELECT id FROM torrents ORDER BY position, id") { $0.int(0) }
      guard let from = order.firstIndex(of: id) else { throw .notFound("no torrent \(id)") }
      order.remove(at: from)
      let to: Int
      switch place {
      case .first: to = 0
      case .last: to = order.count
      case .up: to = max(from - 1, 0)
      case .down: to = min(from + 1, order.count)
      case .at(let n): to = min(max(n - 1, 0), order.count)
      }
      order.insert(id, at: to)
      for (index, each) in order.enumerated() {
        try database.run(
          "UPDATE torrents SET position = ? WHERE id = ? AND position IS NOT ?", .integer(Int64(index + 1)),
          .integer(each), .integer(Int64(index + 1)))
      }
      return to + 1
    }
  }

  public func setTorrentState(id: Int64, _ state: TorrentState) throws(StoreError) {
    let changed = try database.run("UPDATE torrents SET state = ? WHERE id = ?", .text(state.rawValue), .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }

  public func removeTorrent(id: Int64) throws(StoreError) {
    let changed = try database.run("DELETE FROM torrents WHERE id = ?", .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }

  public func updateTorrentStatus(id: Int64, _ status: TorrentStatus) throws(StoreError) {
    let changed = try database.run(
      """
      UPDATE torrents SET peer_id = ?, last_message = ?, download_rate = ?, upload_rate = ?,
        download_limit = ?, upload_limit = ?, pieces_total = ?, pieces_have = ?,
        pieces_available = ?, downloaded = ?, uploaded = ?, seeders = ?, tracker_seeders = ?,
        leechers = ?, tracker_leechers = ?, connecting = ?, cache_used_kb = ?, last_seen = ?
      WHERE id = ?
      """,
      .text(status.peerID), .text(status.lastMessage), .integer(status.downloadRate),
      .integer(status.uploadRate), .integer(status.downloadLimit), .integer(status.uploadLimit),
      .integer(status.piecesTotal), .integer(status.piecesHave), .integer(status.piecesAvailable),
      .integer(status.downloaded), .integer(status.uploaded), .integer(status.seeders),
      .integer(status.trackerSeeders), .integer(status.leechers), .integer(status.trackerLeechers),
      .integer(status.connecting), .integer(status.cacheUsedKB), .integer(status.lastSeen), .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }

  /// Sets the per-torrent bandwidth bounds, bytes/s (nil for none).
  public func setTorrentRates(
    id: Int64, minDownload: Int64?, maxDownload: Int64?, minUpload: Int64?, maxUpload: Int64?
  ) throws(StoreError) {
    let bounds = [
      ("minimum download", minDownload), ("maximum download", maxDownload),
      ("minimum upload", minUpload), ("maximum upload", maxUpload),
    ]
    if let negative = bounds.first(where: { ($0.1 ?? 0) < 0 }) {
      throw .invalid("\(negative.0) rate of torrent \(id) cannot be negative")
    }
    let changed = try database.run(
      """
      UPDATE torrents SET min_download_rate = ?, max_download_rate = ?, min_upload_rate = ?,
        max_upload_rate = ? WHERE id = ?
      """, .integer(minDownload), .integer(maxDownload), .integer(minUpload), .integer(maxUpload),
      .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }

  private static func torrent(_ row: Row) throws(StoreError) -> Torrent {
    var status = TorrentStatus()
    status.peerID = row.text(10)
    status.lastMessage = row.text(11)
    status.downloadRate = row.int(12)
    status.uploadRate = row.int(13)
    status.downloadLimit = row.int(14)
    status.uploadLimit = row.int(15)
    status.piecesTotal = row.int(16)
    status.piecesHave = row.int(17)
    status.piecesAvailable = row.int(18)
    status.downloaded = row.int(19)
    status.uploaded = row.int(20)
    status.seeders = row.int(21)
    status.trackerSeeders = row.int(22)
    status.leechers = row.int(23)
    status.trackerLeechers = row.int(24)
    status.connecting = row.int(25)
    status.cacheUsedKB = row.int(26)
    status.lastSeen = row.int(27)
    return Torrent(
      id: row.int(0), name: row.text(1), metainfo: row.blob(2),
      state: try row.parsed(3, TorrentState.init(rawValue:)), position: row.int(4),
      minDownloadRate: row.optionalInt(5), maxDownloadRate: row.optionalInt(6),
      minUploadRate: row.optionalInt(7), maxUploadRate: row.optionalInt(8), added: row.int(9),
      status: status)
  }
}
