#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0198 streams that can be resumed. A stream belongs to one in.jabberd process while its
/// client is connected; when the connection dies (the process killed, the phone gone out of
/// range) the client resumes it on a new connection, so in a new process, which takes the
/// stream over from this table: what the old process wrote and the client did not acknowledge
/// is in the queue, and so is everything other sessions sent meanwhile.
///
/// The queue's order is the order the client is written to: whoever has a stanza for the
/// stream inserts it (one transaction, before telling the owner over the mesh), and the owner
/// writes the rows after the last one it wrote, in id order. Ids are AUTOINCREMENT and the
/// store has one writer at a time, so a row committed later always has a larger id: a row the
/// owner has not seen can never sort before one it wrote. So the client's count of stanzas
/// received (`h`) says exactly which rows it has.
public struct JabberStream: Equatable, Sendable {
  /// The resumption id the client was given (random, unguessable).
  public var id: String
  /// The account's name as stored.
  public var name: String
  public var resource: String
  /// When the stream was enabled or last resumed (Unix ms).
  public var attached: Int64
  /// The client's last acknowledged count of stanzas received (mod 2^32).
  public var acked: UInt32
  /// How many of the client's stanzas the server handled (mod 2^32).
  public var handled: UInt32
  /// The session's state a resumption restores (the session's own encoding).
  public var state: String

  public init(id: String, name: String, resource: String, attached: Int64, acked: UInt32, handled: UInt32, state: String) {
    self.id = id
    self.name = name
    self.resource = resource
    self.attached = attached
    self.acked = acked
    self.handled = handled
    self.state = state
  }
}

/// A stanza waiting in a stream's queue.
public struct JabberQueuedStanza: Equatable, Sendable {
  public var id: Int64
  public var stanza: String
  public init(id: Int64, stanza: String) {
    self.id = id
    self.stanza = stanza
  }
}

public enum JabberResumption: Equatable, Sendable {
  case resumed(JabberStream, queue: [JabberQueuedStanza])
  /// No such stream, or another user's.
  case notFound
  /// The client says it received more than the stream ever sent it.
  case countTooHigh(sent: UInt32)
}

extension Store {
  /// How many stanzas may wait in one stream's queue; past it a sender's insert is refused and
  /// the stanza goes as it would without the stream (the mesh, or the offline store).
  public static let maximumQueuedStanzas = 1000

  /// Columns of `JabberStream`, in its order.
  static let streamColumns = "id, name, resource, attached, acked, handled, state"

  static func stream(_ row: Row) -> JabberStream {
    JabberStream(
      id: row.text(0), name: row.text(1), resource: row.text(2), attached: row.int(3),
      acked: UInt32(truncatingIfNeeded: row.int(4)), handled: UInt32(truncatingIfNeeded: row.int(5)), state: row.text(6))
  }

  /// A new resumable stream of `name`'s session; the account must exist.
  public func createJabberStream(id: String, name: String, resource: String, attached: Int64, state: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let account = try jabberAccount(named: name) else { throw .notFound("no jabber user '\(name)'") }
      try database.run(
        "INSERT INTO jabber_streams (id, name, resource, attached, state) VALUES (?, ?, ?, ?, ?)",
        .text(id), .text(account.name), .text(resource), .integer(attached), .text(state))
    }
  }

  public func jabberStream(id: String) throws(StoreError) -> JabberStream? {
    try database.row("SELECT \(Self.streamColumns) FROM jabber_streams WHERE id = ?", .text(id), map: Self.stream)
  }

  /// Queues stanzas for streams, in one transaction and in the order given: the new rows' ids,
  /// nil for a stream that is gone or full (the caller sends that one another way).
  /// `offline`: a message to keep as an offline message if the client never acknowledges it.
  public func enqueueJabberStanzas(_ entries: [(stream: String, stanza: String, offline: Bool)]) throws(StoreError) -> [Int64?] {
    try transaction { () throws(StoreError) in
      var ids: [Int64?] = []
      var counts: [String: Int64] = [:]
      for entry in entries {
        let count: Int64?
        if let known = counts[entry.stream] {
          count = known
        } else {
          count = try database.row(
            "SELECT (SELECT count(*) FROM jabber_stream_queue WHERE stream = ?1) FROM jabber_streams WHERE id = ?1",
            .text(entry.stream)
          ) { $0.int(0) }
        }
        guard let count, count < Self.maximumQueuedStanzas else {
          ids.append(nil)
          continue
        }
        try database.run(
          "INSERT INTO jabber_stream_queue (stream, stanza, offline) VALUES (?, ?, ?)",
          .text(entry.stream), .text(entry.stanza), .integer(entry.offline ? 1 : 0))
        ids.append(database.lastInsertRowID)
        counts[entry.stream] = count + 1
      }
      return ids
    }
  }

  /// The stream's queued stanzas after `id`, in order.
  public func jabberStreamQueue(_ stream: String, after id: Int64) throws(StoreError) -> [JabberQueuedStanza] {
    try database.rows(
      "SELECT id, stanza FROM jabber_stream_queue WHERE stream = ? AND id > ? ORDER BY id", .text(stream), .integer(id)
    ) { JabberQueuedStanza(id: $0.int(0), stanza: $0.text(1)) }
  }

  /// The client acknowledged `h` stanzas: the rows up to `upTo` reached it.
  public func acknowledgeJabberStream(_ stream: String, h: UInt32, upTo id: Int64) throws(StoreError) {
    try transaction { () throws(StoreError) in
      try database.run("DELETE FROM jabber_stream_queue WHERE stream = ? AND id <= ?", .text(stream), .integer(id))
      try database.run("UPDATE jabber_streams SET acked = ? WHERE id = ?", .integer(Int64(h)), .text(stream))
    }
  }

  public func setJabberStreamHandled(_ stream: String, handled: UInt32) throws(StoreError) {
    try database.run("UPDATE jabber_streams SET handled = ? WHERE id = ?", .integer(Int64(handled)), .text(stream))
  }

  public func setJabberStreamState(_ stream: String, state: String) throws(StoreError) {
    try database.run("UPDATE jabber_streams SET state = ? WHERE id = ?", .text(state), .text(stream))
  }

  /// Takes the stream over for a client of `name` that received `h` stanzas: the rows it
  /// received go, the rest are returned to be written again, in order.
  public func resumeJabberStream(_ stream: String, name: String, h: UInt32, now: Int64) throws(StoreError) -> JabberResumption {
    try transaction { () throws(StoreError) in
      guard var found = try jabberStream(id: stream), ASCII.lowercased(found.name) == ASCII.lowercased(name) else {
        return .notFound
      }
      let queue = try jabberStreamQueue(stream, after: 0)
      let received = Int(h &- found.acked)
      guard received <= queue.count else { return .countTooHigh(sent: found.acked &+ UInt32(queue.count)) }
      if received > 0 {
        try database.run(
          "DELETE FROM jabber_stream_queue WHERE stream = ? AND id <= ?", .text(stream), .integer(queue[received - 1].id))
      }
      found.acked = h
      found.attached = now
      try database.run(
        "UPDATE jabber_streams SET acked = ?, attached = ? WHERE id = ?", .integer(Int64(h)), .integer(now), .text(stream))
      return .resumed(found, queue: Array(queue[received...]))
    }
  }

  /// Ends a stream for good: its unacknowledged messages become offline messages of its user
  /// (stored at `now`, seconds), in order; everything else queued goes with it. How many moved.
  @discardableResult
  public func endJabberStream(_ stream: String, now: Int64) throws(StoreError) -> Int {
    try transaction { () throws(StoreError) in
      guard let found = try jabberStream(id: stream) else { return 0 }
      let moved = try database.run(
        """
        INSERT INTO jabber_offline (recipient, stanza, stored)
        SELECT ?, stanza, ? FROM jabber_stream_queue WHERE stream = ? AND offline = 1 ORDER BY id
        """, .text(found.name), .integer(now), .text(stream))
      try database.run("DELETE FROM jabber_streams WHERE id = ?", .text(stream))
      return moved
    }
  }

  /// Ends the streams of `name` attached before `before` (ms) that no live session holds (their
  /// processes died and their clients did not come back): see endJabberStream. How many
  /// messages moved to the offline store.
  public func sweepJabberStreams(name: String, attachedBefore before: Int64, keeping live: [String], now: Int64) throws(StoreError) -> Int {
    let dead = try database.rows(
      "SELECT id FROM jabber_streams WHERE name = ? AND attached < ? ORDER BY attached", .text(name), .integer(before)
    ) { $0.text(0) }.filter { !live.contains($0) }
    var moved = 0
    for stream in dead { moved += try endJabberStream(stream, now: now) }
    return moved
  }
}
