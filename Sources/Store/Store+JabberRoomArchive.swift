/// A room's messages in the message archive (XEP-0313 §5, schema version 14): rows of
/// `jabber_archive` with `room` set, read by a join's history (XEP-0045 §7.2.14) and by archive
/// queries to the room's JID (Store+JabberArchive.swift, `JabberArchiveQuery.room`). The
/// retention is the archive's (`jabberArchiveDays`, expired with every other row); a room keeps
/// its newest `maximumArchiveMessages`, trimmed as a user's archive is, when a row whose id is a
/// multiple of `archiveTrimInterval` is written.
extension Store {
  /// Writes one of a room's messages; called by `archiveJabberMessage` for a row with a room.
  func archiveJabberRoomMessage(_ message: JabberArchivedMessage, in room: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      try database.run(
        """
        INSERT INTO jabber_archive (uid, stamp, sender, sender_resource, room, nick, sender_keeps, recipient_keeps, stanza)
          VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?)
        """, .text(message.uid), .integer(message.stamp), .text(message.sender), .text(message.senderResource),
        .text(room), .text(message.nick), .text(message.stanza))
      guard database.lastInsertRowID % Self.archiveTrimInterval == 0 else { return }
      try trimJabberRoomArchive(room)
    }
  }

  /// Deletes a room's rows past its newest `maximumArchiveMessages`.
  func trimJabberRoomArchive(_ room: String) throws(StoreError) {
    guard
      let oldestKept = try database.row(
        "SELECT stamp, id FROM jabber_archive WHERE room = ?1 ORDER BY stamp DESC, id DESC LIMIT 1 OFFSET ?2", .text(room),
        .integer(Int64(Self.maximumArchiveMessages - 1)), map: { ($0.int(0), $0.int(1)) })
    else { return }
    try database.run(
      "DELETE FROM jabber_archive WHERE room = ? AND (stamp, id) < (?, ?)", .text(room), .integer(oldestKept.0),
      .integer(oldestKept.1))
  }

  /// A room's last `limit` messages stamped at or after `since` (ms) that the retention keeps
  /// at `now` (ms), oldest first: the history a join gets.
  public func jabberRoomHistory(room: String, limit: Int, since: Int64 = .min, now: Int64) throws(StoreError)
    -> [JabberArchivedMessage]
  {
    try reading { () throws(StoreError) in
      guard let cutoff = try jabberArchiveCutoff(now: now) else { return [] }
      return try database.rows(
        """
        SELECT uid, stamp, sender, sender_resource, nick, stanza FROM jabber_archive
          WHERE room = ? AND stamp >= ? ORDER BY stamp DESC, id DESC LIMIT ?
        """, .text(room), .integer(max(since, cutoff)), .integer(Int64(max(0, limit)))
      ) {
        JabberArchivedMessage(
          uid: $0.text(0), stamp: $0.int(1), sender: $0.text(2), senderResource: $0.text(3), recipient: nil, room: room,
          nick: $0.optionalText(4), stanza: $0.text(5))
      }.reversed().map { $0 }
    }
  }
}
