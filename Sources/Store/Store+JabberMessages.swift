/// What in.jabberd keeps for its users between sessions: the messages that arrived while a
/// user was offline, and each user's vCard. Both belong to an account: storing for a name that
/// is not one is refused, and removing the account removes them.
extension Store {
  /// How many messages may wait for one user; past it the sender is refused (XMPP
  /// resource-constraint) rather than the oldest dropped.
  public static let maximumOfflineMessages = 1000
  /// How many bytes of stanzas may wait for one user.
  public static let maximumOfflineBytes = 4 << 20

  /// Queues a stanza (serialised XML) for `recipient`, stored at `at` (seconds since the epoch).
  public func storeOfflineMessage(to recipient: String, stanza: String, at stored: Int64) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let user = try jabberAccount(named: recipient) else { throw .notFound("no jabber user '\(recipient)'") }
      let (count, bytes) = try database.row(
        "SELECT count(*), ifnull(sum(length(CAST(stanza AS BLOB))), 0) FROM jabber_offline WHERE recipient = ?",
        .text(user.name)
      ) { ($0.int(0), $0.int(1)) } ?? (0, 0)
      guard count < Self.maximumOfflineMessages,
        bytes + Int64(stanza.utf8.count) <= Int64(Self.maximumOfflineBytes)
      else {
        throw .invalid(
          "offline messages for jabber user '\(user.name)' are full (\(count) messages, \(bytes) bytes)")
      }
      try database.run(
        "INSERT INTO jabber_offline (recipient, stanza, stored) VALUES (?, ?, ?)",
        .text(user.name), .text(stanza), .integer(stored))
    }
  }

  /// The messages waiting for `recipient`, oldest first.
  public func offlineMessages(for recipient: String) throws(StoreError) -> [(id: Int64, stanza: String, stored: Int64)] {
    try database.rows(
      "SELECT id, stanza, stored FROM jabber_offline WHERE recipient = ? ORDER BY id", .text(recipient)
    ) { row in (id: row.int(0), stanza: row.text(1), stored: row.int(2)) }
  }

  /// Deletes the messages of `recipient` up to and including `id`: those written to the
  /// client. One that arrived after they were read stays queued.
  public func deleteOfflineMessages(for recipient: String, upTo id: Int64) throws(StoreError) {
    try database.run("DELETE FROM jabber_offline WHERE recipient = ? AND id <= ?", .text(recipient), .integer(id))
  }

  /// The user's vCard (the serialised <vCard xmlns='vcard-temp'> element), nil when none was set.
  public func vCard(of name: String) throws(StoreError) -> String? {
    try database.row("SELECT vcard FROM jabber_vcards WHERE name = ?", .text(name)) { $0.text(0) }
  }

  /// Sets (replaces) the user's vCard.
  public func setVCard(of name: String, _ vcard: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let user = try jabberAccount(named: name) else { throw .notFound("no jabber user '\(name)'") }
      try database.run(
        "INSERT INTO jabber_vcards (name, vcard) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET vcard = excluded.vcard",
        .text(user.name), .text(vcard))
    }
  }
}
