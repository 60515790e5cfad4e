/// What a session asks of the message archive (XEP-0313) and gets back: in the daemon the
/// store (Store+JabberArchive.swift), in the tests memory. Names are JID local parts, times
/// Unix milliseconds, ids the archive ids clients see (the XEP-0359 stanza-ids).

/// One archived message.
public struct SessionArchiveEntry: Equatable, Sendable {
  public var id: String
  public var stamp: Int64
  public var sender: String
  public var senderResource: String
  public var recipient: String
  /// nil when the message went to the bare JID.
  public var recipientResource: String?
  /// The `<message>` with `from` (the sender's full JID), `to` and `xmlns='jabber:client'`
  /// (it is embedded in a `<forwarded>`), without the archive's own stanza-id.
  public var stanza: String

  public init(
    id: String, stamp: Int64, sender: String, senderResource: String, recipient: String, recipientResource: String?,
    stanza: String
  ) {
    self.id = id
    self.stamp = stamp
    self.sender = sender
    self.senderResource = senderResource
    self.recipient = recipient
    self.recipientResource = recipientResource
    self.stanza = stanza
  }
}

/// Which page of the results (XEP-0059).
public enum SessionArchivePaging: Equatable, Sendable {
  /// From the start, `offset` skipped (RSM index), or after an id (RSM after).
  case forward(after: String?, offset: Int)
  /// The last results, or the last before an id (RSM before).
  case backward(before: String?)
}

public struct SessionArchiveQuery: Equatable, Sendable {
  /// Who asks: the archive's owner, unless a room's archive is asked (`room`, XEP-0313 §5).
  public var owner: String
  public var room: String?
  /// The other side (a local part of this domain), and its resource for a full JID; in a
  /// room, the sender, or the sender's nick.
  public var with: String?
  public var withResource: String?
  public var withNick: String?
  /// Inclusive bounds on the stamp.
  public var start: Int64?
  public var end: Int64?
  /// Exclusive bounds by id (mam#extended).
  public var afterID: String?
  public var beforeID: String?
  /// Only these ids (mam#extended).
  public var ids: [String]?
  public var paging: SessionArchivePaging
  public var limit: Int

  public init(
    owner: String, room: String? = nil, with: String? = nil, withResource: String? = nil, withNick: String? = nil,
    start: Int64? = nil, end: Int64? = nil, afterID: String? = nil, beforeID: String? = nil, ids: [String]? = nil,
    paging: SessionArchivePaging = .forward(after: nil, offset: 0), limit: Int
  ) {
    self.owner = owner
    self.room = room
    self.with = with
    self.withResource = withResource
    self.withNick = withNick
    self.start = start
    self.end = end
    self.afterID = afterID
    self.beforeID = beforeID
    self.ids = ids
    self.paging = paging
    self.limit = limit
  }
}

public struct SessionArchivePage: Equatable, Sendable {
  /// Oldest first.
  public var messages: [SessionArchiveEntry]
  /// How many messages the filters select (every page of the query).
  public var count: Int
  /// The page's first message's position in them; nil for an empty page.
  public var firstIndex: Int?
  /// The page reaches the end of the results in the direction paged.
  public var complete: Bool

  public init(messages: [SessionArchiveEntry], count: Int, firstIndex: Int?, complete: Bool) {
    self.messages = messages
    self.count = count
    self.firstIndex = firstIndex
    self.complete = complete
  }
}

public enum SessionArchiveAnswer: Equatable, Sendable {
  case page(SessionArchivePage)
  /// An id the query names is not in the archive.
  case itemNotFound
  /// No store, or it failed.
  case unavailable
}

/// A user's archiving default (XEP-0313 §6). Everyone here is on everyone's roster, so
/// `roster` archives what `always` does.
public enum SessionArchiveDefault: String, Equatable, Sendable {
  case always, never, roster
}
