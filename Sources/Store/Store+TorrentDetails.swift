/// What ctorrent reports about a torrent beyond its status, for the web page: the files with
/// their progress, the connected peers, and ctorrent's options (CTDETAIL, CTPEER and CTCONFIG
/// blocks). Each block replaces the previous one whole.
extension Store {
  /// CTDETAIL and its file block.
  public func replaceTorrentFiles(
    id: Int64, totalBytes: Int64, pieceLength: Int64, seedingSince: Int64, files: [TorrentFile]
  ) throws(StoreError) {
    try transaction { () throws(StoreError) in
      let changed = try database.run(
        "UPDATE torrents SET total_bytes = ?, piece_length = ?, seeding_since = ? WHERE id = ?",
        .integer(totalBytes), .integer(pieceLength), .integer(seedingSince), .integer(id))
      if changed == 0 { throw .notFound("no torrent \(id)") }
      try database.run("DELETE FROM torrent_files WHERE torrent_id = ?", .integer(id))
      for file in files {
        try database.run(
          """
          INSERT OR REPLACE INTO torrent_files (torrent_id, number, priority, pieces, pieces_have,
            pieces_available, size, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """, .integer(id), .integer(file.number), .integer(file.priority), .integer(file.pieces),
          .integer(file.piecesHave), .integer(file.piecesAvailable), .integer(file.size), .text(file.name))
      }
    }
  }

  public func replaceTorrentPeers(id: Int64, _ peers: [TorrentPeer]) throws(StoreError) {
    try transaction { () throws(StoreError) in
      try database.run("DELETE FROM torrent_peers WHERE torrent_id = ?", .integer(id))
      for peer in peers {
        try database.run(
          """
          INSERT INTO torrent_peers (torrent_id, peer_id, address, flags, download_rate, upload_rate,
            downloaded, uploaded, pieces_have) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """, .integer(id), .text(peer.peerID), .text(peer.address), .text(peer.flags),
          .integer(peer.downloadRate), .integer(peer.uploadRate), .integer(peer.downloaded),
          .integer(peer.uploaded), .integer(peer.piecesHave))
      }
    }
  }

  public func replaceTorrentOptions(id: Int64, _ options: [TorrentOption]) throws(StoreError) {
    try transaction { () throws(StoreError) in
      try database.run("DELETE FROM torrent_options WHERE torrent_id = ?", .integer(id))
      for option in options {
        try database.run(
          """
          INSERT OR REPLACE INTO torrent_options (torrent_id, name, kind, value_range, value, summary, help)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """, .integer(id), .text(option.name), .text(option.kind), .text(option.range), .text(option.value),
          .text(option.summary), .text(option.help))
      }
    }
  }

  /// The torrent's files, by number.
  public func torrentFiles(id: Int64) throws(StoreError) -> [TorrentFile] {
    try database.rows(
      """
      SELECT number, priority, pieces, pieces_have, pieces_available, size, name FROM torrent_files
      WHERE torrent_id = ? ORDER BY number
      """, .integer(id)
    ) { row throws(StoreError) in
      TorrentFile(
        number: row.int(0), priority: row.int(1), pieces: row.int(2), piecesHave: row.int(3),
        piecesAvailable: row.int(4), size: row.int(5), name: row.text(6))
    }
  }

  /// The peers last reported, fastest download first.
  public func torrentPeers(id: Int64) throws(StoreError) -> [TorrentPeer] {
    try database.rows(
      """
      SELECT peer_id, address, flags, download_rate, upload_rate, downloaded, uploaded, pieces_have
      FROM torrent_peers WHERE torrent_id = ? ORDER BY download_rate DESC, address
      """, .integer(id)
    ) { row throws(StoreError) in
      TorrentPeer(
        peerID: row.text(0), address: row.text(1), flags: row.text(2), downloadRate: row.int(3),
        uploadRate: row.int(4), downloaded: row.int(5), uploaded: row.int(6), piecesHave: row.int(7))
    }
  }

  /// ctorrent's options as it last reported them, by name.
  public func torrentOptions(id: Int64) throws(StoreError) -> [TorrentOption] {
    try database.rows(
      "SELECT name, kind, value_range, value, summary, help FROM torrent_options WHERE torrent_id = ? ORDER BY name",
      .integer(id)
    ) { row throws(StoreError) in
      TorrentOption(
        name: row.text(0), kind: row.text(1), range: row.text(2), value: row.text(3), summary: row.text(4),
        help: row.text(5))
    }
  }
}

extension Store {
  /// Torrent ID with everything ctorrent last reported about it, one consistent snapshot; nil
  /// when there is no such torrent.
  public func torrentDetail(id: Int64) throws(StoreError) -> TorrentDetail? {
    try reading { () throws(StoreError) -> TorrentDetail? in
      guard let torrent = try torrent(id: id),
        let figures = try database.row(
          "SELECT total_bytes, piece_length, seeding_since FROM torrents WHERE id = ?", .integer(id),
          map: { ($0.int(0), $0.int(1), $0.int(2)) })
      else { return nil }
      return TorrentDetail(
        torrent: torrent, totalBytes: figures.0, pieceLength: figures.1, seedingSince: figures.2,
        files: try torrentFiles(id: id), peers: try torrentPeers(id: id), options: try torrentOptions(id: id))
    }
  }
}
