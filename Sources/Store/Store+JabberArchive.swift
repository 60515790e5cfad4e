#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// in.jabberd's message archive (XEP-0313): every one-to-one message with a body, once, in a
/// row its sender's and its recipient's archives share (Schema.version11). Limits, none of which
/// ever refuses a message's delivery:
/// - retention: rows older than `jabberArchiveDays` are never answered, and deleted a bounded
///   batch at a time at each login (`expireJabberArchive`); 0 days keeps nothing;
/// - per user: an archive keeps its newest `maximumArchiveMessages`; older ones leave that
///   user's archive when a row whose id is a multiple of `archiveTrimInterval` is written for
///   them (so an archive holds at most about that many more);
/// - per message: a stanza over `maximumArchivedStanzaBytes` is refused (the session does not
///   archive it, and delivers it without a stanza-id).
extension Store {
  public static let defaultArchiveDays: Int64 = 365
  /// Days fit a millisecond cutoff without overflow (about 27,000 years).
  public static let maximumArchiveDays: Int64 = 10_000_000
  public static let maximumArchiveMessages = 20_000
  public static let maximumArchivedStanzaBytes = 65_536
  /// A row whose id is a multiple of this trims its sender's and recipient's archives.
  public static let archiveTrimInterval: Int64 = 256
  /// Expired rows deleted at one login, at most: a login never waits for a big deletion.
  public static let archiveExpiryBatch = 1000

  /// How many days messages are kept (the setting, or the default 365).
  public func jabberArchiveDays() throws(StoreError) -> Int64 {
    guard let days = try integerSetting(SettingKey.jabberArchiveDays) else { return Self.defaultArchiveDays }
    guard (0...Self.maximumArchiveDays).contains(days) else {
      throw .invalid("\(path): setting \(SettingKey.jabberArchiveDays) '\(days)' is out of range")
    }
    return days
  }

  /// Sets the retention in days (0: keep nothing), or back to the default with nil.
  public func setJabberArchiveDays(_ days: Int64?) throws(StoreError) {
    if let days, !(0...Self.maximumArchiveDays).contains(days) {
      throw .invalid("invalid archive retention \(days) days: 0 to \(Self.maximumArchiveDays)")
    }
    try setSetting(SettingKey.jabberArchiveDays, days.map { "\($0)" })
  }

  /// The oldest stamp (ms) an archive answers at `now` (ms); nil when nothing is kept.
  public func jabberArchiveCutoff(now: Int64) throws(StoreError) -> Int64? {
    let days = try jabberArchiveDays()
    return days == 0 ? nil : now - days * 86_400_000
  }

  /// Writes messages in one transaction; one the store refuses (`archiveJabberMessage`'s
  /// errors) goes to `refused` and the rest are written.
  public func archiveJabberMessages(
    _ messages: [JabberArchivedMessage], refused: (JabberArchivedMessage, StoreError) -> Void
  ) throws(StoreError) {
    // The rows record messages already delivered, not promises to a client: their commit does
    // not wait for the disk (WAL with synchronous NORMAL: a power loss may lose the last rows,
    // never the file's consistency). The next full commit on this connection syncs them.
    if transactionDepth == 0 { try database.execute("PRAGMA synchronous = NORMAL") }
    defer { if transactionDepth == 0 { try? database.execute("PRAGMA synchronous = FULL") } }
    try transaction { () throws(StoreError) in
      for message in messages {
        do throws(StoreError) {
          try archiveJabberMessage(message)
        } catch {
          switch error {
          case .invalid, .duplicate: refused(message, error)
          default: throw error
          }
        }
      }
    }
  }

  /// Writes one message. Its sides' preferences decide whose archives hold it; a message
  /// neither keeps is not written.
  public func archiveJabberMessage(_ message: JabberArchivedMessage) throws(StoreError) {
    guard Self.isArchiveUID(message.uid) else { throw .invalid("invalid archive id '\(message.uid)'") }
    guard message.stanza.utf8.count <= Self.maximumArchivedStanzaBytes else {
      throw .invalid("archived message over \(Self.maximumArchivedStanzaBytes) bytes")
    }
    if let room = message.room { return try archiveJabberRoomMessage(message, in: room) }
    try transaction { () throws(StoreError) in
      let written = try database.run(
        """
        INSERT INTO jabber_archive (uid, stamp, sender, sender_resource, recipient, recipient_resource,
          sender_keeps, recipient_keeps, stanza)
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, s, r, ?7 FROM (SELECT
          ifnull((SELECT default_mode FROM jabber_archive_prefs WHERE name = ?3), 'always') != 'never' AS s,
          ifnull((SELECT default_mode FROM jabber_archive_prefs WHERE name = ?5), 'always') != 'never' AS r)
        WHERE s OR r
        """,
        .text(message.uid), .integer(message.stamp), .text(message.sender), .text(message.senderResource),
        .text(message.recipient), .text(message.recipientResource), .text(message.stanza))
      let id = database.lastInsertRowID
      guard written > 0, id % Self.archiveTrimInterval == 0 else { return }
      try trimJabberArchive(of: message.sender)
      if let recipient = message.recipient { try trimJabberArchive(of: recipient) }
    }
  }

  /// Takes the user out of the rows past their newest `maximumArchiveMessages`, and deletes
  /// the rows no archive keeps any more.
  public func trimJabberArchive(of user: String) throws(StoreError) {
    guard
      let oldestKept = try database.row(
        """
        SELECT stamp, id FROM jabber_archive WHERE room IS NULL
          AND ((sender = ?1 AND sender_keeps) OR (recipient = ?1 AND recipient_keeps))
          ORDER BY stamp DESC, id DESC LIMIT 1 OFFSET ?2
        """, .text(user), .integer(Int64(Self.maximumArchiveMessages - 1)), map: { ($0.int(0), $0.int(1)) })
    else { return }
    try transaction { () throws(StoreError) in
      try database.run(
        "UPDATE jabber_archive SET sender_keeps = 0 WHERE sender = ? AND sender_keeps AND room IS NULL AND (stamp, id) < (?, ?)",
        .text(user), .integer(oldestKept.0), .integer(oldestKept.1))
      try database.run(
        "UPDATE jabber_archive SET recipient_keeps = 0 WHERE recipient = ? AND recipient_keeps AND (stamp, id) < (?, ?)",
        .text(user), .integer(oldestKept.0), .integer(oldestKept.1))
      try database.run("DELETE FROM jabber_archive WHERE NOT sender_keeps AND NOT recipient_keeps")
    }
  }

  /// Deletes up to `archiveExpiryBatch` of the oldest rows if they are past the retention at
  /// `now` (ms); returns how many went. Ids grow with time, so the oldest rows are the first
  /// ids and the work is bounded whatever the archive's size.
  @discardableResult
  public func expireJabberArchive(now: Int64) throws(StoreError) -> Int {
    let cutoff = try jabberArchiveCutoff(now: now) ?? Int64.max
    // The common case, nothing expired, costs one index lookup and writes nothing.
    guard let oldest = try database.row("SELECT stamp FROM jabber_archive ORDER BY id LIMIT 1", map: { $0.int(0) }),
      oldest < cutoff
    else { return 0 }
    return try database.run(
      """
      DELETE FROM jabber_archive WHERE id IN (SELECT id FROM jabber_archive ORDER BY id LIMIT ?) AND stamp < ?
      """, .integer(Int64(Self.archiveExpiryBatch)), .integer(cutoff))
  }

  /// A user's XEP-0313 default: `always` (also when none was set), `never` or `roster`.
  public func jabberArchiveDefault(of user: String) throws(StoreError) -> String {
    try database.row("SELECT default_mode FROM jabber_archive_prefs WHERE name = ?", .text(user)) { $0.text(0) }
      ?? "always"
  }

  public func setJabberArchiveDefault(of user: String, _ mode: String) throws(StoreError) {
    guard ["always", "never", "roster"].contains(mode) else {
      throw .invalid("invalid archive default '\(mode)': always, never or roster")
    }
    try transaction { () throws(StoreError) in
      guard let account = try jabberAccount(named: user) else { throw .notFound("no jabber user '\(user)'") }
      try database.run(
        """
        INSERT INTO jabber_archive_prefs (name, default_mode) VALUES (?, ?)
          ON CONFLICT (name) DO UPDATE SET default_mode = excluded.default_mode
        """, .text(account.name), .text(mode))
    }
  }

  /// Takes a removed account out of every archive row and drops its preferences; rows no
  /// other archive keeps are deleted (Store+Jabber.swift, removeJabberUser).
  func removeJabberArchive(of user: String) throws(StoreError) {
    // A room's rows stay with the room.
    try database.run("UPDATE jabber_archive SET sender_keeps = 0 WHERE sender = ? AND room IS NULL", .text(user))
    try database.run("UPDATE jabber_archive SET recipient_keeps = 0 WHERE recipient = ?", .text(user))
    try database.run("DELETE FROM jabber_archive WHERE NOT sender_keeps AND NOT recipient_keeps")
    try database.run("DELETE FROM jabber_archive_prefs WHERE name = ?", .text(user))
  }
}

extension Store {
  /// 1-64 ASCII letters, digits and hyphens: a uid list is matched as text split at commas.
  static func isArchiveUID(_ uid: String) -> Bool {
    (1...64).contains(uid.utf8.count)
      && uid.utf8.allSatisfy { ASCII.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
  }

  private static let archiveColumns =
    "id, uid, stamp, sender, sender_resource, recipient, recipient_resource, room, stanza, nick"

  /// The rows of one user's archive a query's filters select: ?1 the owner, ?2 and ?3 the
  /// stamps, (?4, ?5) and (?6, ?7) the exclusive bounds by position, ?8 and ?9 the other side
  /// and its resource, ?10 the ids as `,ID,ID,`. An archive is in the order of its stamps
  /// (the time each message was routed), then ids: a process writes its rows in batches, so
  /// ids alone would put one side's batch before the other's answers.
  private static let archiveFilter = """
    FROM jabber_archive WHERE room IS NULL
      AND ((sender = ?1 AND sender_keeps) OR (recipient = ?1 AND recipient_keeps))
      AND stamp >= ?2 AND stamp <= ?3 AND (stamp, id) > (?4, ?5) AND (stamp, id) < (?6, ?7)
      AND (?8 IS NULL OR (sender = ?1 AND recipient = ?8 AND (?9 IS NULL OR recipient_resource = ?9))
        OR (recipient = ?1 AND sender = ?8 AND (?9 IS NULL OR sender_resource = ?9)))
      AND (?10 IS NULL OR instr(?10, ',' || uid || ',') > 0)
    """

  /// A room's archive (XEP-0313 §5), for the same query: ?1 the room, ?8 the sender (a
  /// non-anonymous room: real JIDs), ?9 the nick.
  private static let roomArchiveFilter = """
    FROM jabber_archive WHERE room = ?1
      AND stamp >= ?2 AND stamp <= ?3 AND (stamp, id) > (?4, ?5) AND (stamp, id) < (?6, ?7)
      AND (?8 IS NULL OR sender = ?8) AND (?9 IS NULL OR nick = ?9)
      AND (?10 IS NULL OR instr(?10, ',' || uid || ',') > 0)
    """

  /// One page of a user's archive, or of a room's (`query.room`), at `now` (ms), oldest first, with the RSM count of the whole
  /// result and the page's first index. An id (`uid`) the archive does not hold: notFound.
  public func jabberArchive(_ query: JabberArchiveQuery, now: Int64) throws(StoreError) -> JabberArchivePage {
    let filter = query.room == nil ? Self.archiveFilter : Self.roomArchiveFilter
    let owner = query.room ?? query.owner
    let withDetail = query.room == nil ? query.withResource : query.withNick
    return try reading { () throws(StoreError) in
      guard let cutoff = try jabberArchiveCutoff(now: now) else {
        return JabberArchivePage(messages: [], count: 0, firstIndex: nil, complete: true)
      }
      var lower = try query.afterUID.map { (uid) throws(StoreError) in try archivePosition(uid, of: owner, room: query.room != nil) }
        ?? ArchivePosition(stamp: .min, id: .min)
      var upper = try query.beforeUID.map { (uid) throws(StoreError) in try archivePosition(uid, of: owner, room: query.room != nil) }
        ?? ArchivePosition(stamp: .max, id: .max)
      var uidList: String?
      if let uids = query.uids {
        for uid in uids { _ = try archivePosition(uid, of: owner, room: query.room != nil) }
        uidList = "," + uids.joined(separator: ",") + ","
      }
      let start = max(query.start ?? cutoff, cutoff)
      let end = query.end ?? .max
      // The count and index are of the filters' result, whatever page is asked for.
      let filterLower = lower
      func count(below: ArchivePosition) throws(StoreError) -> Int {
        Int(
          try database.row(
            "SELECT count(*) " + filter, .text(owner), .integer(start), .integer(end),
            .integer(filterLower.stamp), .integer(filterLower.id), .integer(below.stamp), .integer(below.id),
            .text(query.with), .text(withDetail), .text(uidList), map: { $0.int(0) }) ?? 0)
      }
      let total = try count(below: upper)
      let backward: Bool
      var offset = 0
      switch query.page {
      case .forward(let after, let skip):
        backward = false
        offset = max(0, skip)
        if let after { lower = max(lower, try archivePosition(after, of: owner, room: query.room != nil)) }
      case .backward(let before):
        backward = true
        if let before { upper = min(upper, try archivePosition(before, of: owner, room: query.room != nil)) }
      }
      let limit = max(0, query.limit)
      var rows = try database.rows(
        "SELECT " + Self.archiveColumns + " " + filter
          + (backward ? " ORDER BY stamp DESC, id DESC" : " ORDER BY stamp, id") + " LIMIT ?11 OFFSET ?12",
        .text(owner), .integer(start), .integer(end), .integer(lower.stamp), .integer(lower.id),
        .integer(upper.stamp), .integer(upper.id), .text(query.with), .text(withDetail), .text(uidList),
        .integer(Int64(limit + 1)), .integer(Int64(offset)), map: Self.archivedRow)
      let complete = rows.count <= limit
      rows = Array(rows.prefix(limit))
      if backward { rows.reverse() }
      let firstIndex = try rows.first.map { (first) throws(StoreError) in
        try count(below: ArchivePosition(stamp: first.message.stamp, id: first.id))
      }
      return JabberArchivePage(
        messages: rows.map { $0.message }, count: total, firstIndex: firstIndex, complete: complete)
    }
  }

  /// Where `uid` is in the user's archive, or the room's.
  private func archivePosition(_ uid: String, of owner: String, room: Bool) throws(StoreError) -> ArchivePosition {
    guard
      let position = try database.row(
        room
          ? "SELECT stamp, id FROM jabber_archive WHERE uid = ?1 AND room = ?2"
          : """
          SELECT stamp, id FROM jabber_archive WHERE uid = ?1 AND room IS NULL
            AND ((sender = ?2 AND sender_keeps) OR (recipient = ?2 AND recipient_keeps))
          """, .text(uid), .text(owner), map: { ArchivePosition(stamp: $0.int(0), id: $0.int(1)) })
    else { throw .notFound("no archived message '\(uid)'") }
    return position
  }

  private static func archivedRow(_ row: Row) -> (id: Int64, message: JabberArchivedMessage) {
    (
      id: row.int(0),
      message: JabberArchivedMessage(
        uid: row.text(1), stamp: row.int(2), sender: row.text(3), senderResource: row.text(4),
        recipient: row.optionalText(5), recipientResource: row.optionalText(6), room: row.optionalText(7),
        nick: row.optionalText(9), stanza: row.text(8))
    )
  }
}

/// A row's place in an archive's order.
struct ArchivePosition: Comparable {
  var stamp: Int64
  var id: Int64

  static func < (lhs: ArchivePosition, rhs: ArchivePosition) -> Bool { (lhs.stamp, lhs.id) < (rhs.stamp, rhs.id) }
}

/// A query of one user's archive (XEP-0313 with XEP-0059 paging); names are JID local parts,
/// times Unix ms, ids the uids clients see.
public struct JabberArchiveQuery: Equatable, Sendable {
  public enum Page: Equatable, Sendable {
    /// From the start of the results, `offset` skipped (RSM index), or after an id (RSM after).
    case forward(after: String?, offset: Int)
    /// The last results, or the last before an id (RSM before).
    case backward(before: String?)
  }

  public var owner: String
  /// A room's archive instead of the owner's (who may read it is the caller's business).
  public var room: String?
  /// The other side of the conversation (in a room: the sender), and its resource when a full
  /// JID was asked for; in a room, the sender's nick.
  public var with: String?
  public var withResource: String?
  public var withNick: String?
  /// Inclusive bounds on the stamp.
  public var start: Int64?
  public var end: Int64?
  /// Exclusive bounds by id (mam#extended's after-id and before-id).
  public var afterUID: String?
  public var beforeUID: String?
  /// Only these ids (mam#extended's ids).
  public var uids: [String]?
  public var page: Page
  public var limit: Int

  public init(
    owner: String, room: String? = nil, with: String? = nil, withResource: String? = nil, withNick: String? = nil,
    start: Int64? = nil, end: Int64? = nil, afterUID: String? = nil, beforeUID: String? = nil, uids: [String]? = nil,
    page: Page = .forward(after: nil, offset: 0), limit: Int
  ) {
    self.owner = owner
    self.room = room
    self.with = with
    self.withResource = withResource
    self.withNick = withNick
    self.start = start
    self.end = end
    self.afterUID = afterUID
    self.beforeUID = beforeUID
    self.uids = uids
    self.page = page
    self.limit = limit
  }
}

public struct JabberArchivePage: Equatable, Sendable {
  public var messages: [JabberArchivedMessage]
  /// How many messages the query's filters select, on every page.
  public var count: Int
  /// The position of the page's first message in that result; nil for an empty page.
  public var firstIndex: Int?
  /// The page reaches the end of the result in the direction paged.
  public var complete: Bool
}

extension SettingKey {
  /// Days in.jabberd keeps archived messages (default 365; 0 keeps none).
  public static let jabberArchiveDays = "jabber_archive_days"
}

/// One archived message: `uid` the id clients see, `stamp` Unix time in ms, names JID local parts.
public struct JabberArchivedMessage: Equatable, Sendable {
  public var uid: String
  public var stamp: Int64
  public var sender: String
  public var senderResource: String
  /// nil for a room's message.
  public var recipient: String?
  /// nil when the message went to the bare JID.
  public var recipientResource: String?
  public var room: String?
  /// The sender's nick in the room.
  public var nick: String?
  /// The `<message>` as sent, with `from` (the sender's full JID) and `to`; a room's as its
  /// occupants got it, from ROOM@conference.DOMAIN/NICK, without `to`.
  public var stanza: String

  public init(
    uid: String, stamp: Int64, sender: String, senderResource: String, recipient: String?,
    recipientResource: String? = nil, room: String? = nil, nick: String? = nil, stanza: String
  ) {
    self.uid = uid
    self.stamp = stamp
    self.sender = sender
    self.senderResource = senderResource
    self.recipient = recipient
    self.recipientResource = recipientResource
    self.room = room
    self.nick = nick
    self.stanza = stanza
  }
}
