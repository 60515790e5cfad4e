/// Each jabber user's block list (XEP-0191): the addresses (a domain, a bare or a full JID, as
/// the client gave them) whose stanzas in.jabberd does not deliver to the user and to which the
/// user may not send. A list belongs to an account: removing the account removes it.
extension Store {
  /// Entries one user may block; past it a block is refused (the client's resource-constraint)
  /// rather than the list growing without bound at every login's read.
  public static let maximumBlockedJIDs = 1000
  /// The longest address RFC 7622 allows (three parts of 1023 bytes and two separators).
  public static let maximumBlockedJIDBytes = 3071

  /// The user's list, in the order the entries were added.
  public func blockedJIDs(of name: String) throws(StoreError) -> [String] {
    try database.rows("SELECT jid FROM jabber_blocks WHERE name = ? ORDER BY rowid", .text(name)) { $0.text(0) }
  }

  /// Adds the entries not already there, all or none.
  public func block(_ jids: [String], for name: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      guard let user = try jabberAccount(named: name) else { throw .notFound("no jabber user '\(name)'") }
      for jid in jids {
        guard !jid.isEmpty, jid.utf8.count <= Self.maximumBlockedJIDBytes else {
          throw .invalid("jabber user '\(user.name)' blocks an address of \(jid.utf8.count) bytes")
        }
        try database.run("INSERT OR IGNORE INTO jabber_blocks (name, jid) VALUES (?, ?)", .text(user.name), .text(jid))
      }
      let count = try database.row("SELECT count(*) FROM jabber_blocks WHERE name = ?", .text(user.name)) { $0.int(0) } ?? 0
      guard count <= Int64(Self.maximumBlockedJIDs) else {
        throw .invalid("jabber user '\(user.name)' would block \(count) addresses, more than \(Self.maximumBlockedJIDs)")
      }
    }
  }

  /// Removes the entries named, or every entry when `jids` is empty (XEP-0191 §3.4).
  public func unblock(_ jids: [String], for name: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      if jids.isEmpty { try database.run("DELETE FROM jabber_blocks WHERE name = ?", .text(name)) }
      for jid in jids {
        try database.run("DELETE FROM jabber_blocks WHERE name = ? AND jid = ?", .text(name), .text(jid))
      }
    }
  }
}
