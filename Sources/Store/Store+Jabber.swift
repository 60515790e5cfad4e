/// Jabber accounts: names unique without regard to case, listed by name. The store keeps each
/// user's SCRAM credentials (JabberAccount), and the password itself only for a legacy account;
/// the hashing is the caller's (slugctl), as the Store does not compile Crypto.
extension Store {
  private static let accountColumns = """
    name, sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,
    sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key, legacy_password
    """

  public func jabberAccounts() throws(StoreError) -> [JabberAccount] {
    try database.rows("SELECT \(Self.accountColumns) FROM jabber_accounts ORDER BY name, rowid", map: Self.account)
  }

  public func jabberAccount(named name: String) throws(StoreError) -> JabberAccount? {
    try database.row("SELECT \(Self.accountColumns) FROM jabber_accounts WHERE name = ?", .text(name), map: Self.account)
  }

  private static func account(_ row: Row) -> JabberAccount {
    JabberAccount(
      name: row.text(0),
      sha1: JabberCredential(salt: row.blob(1), iterations: Int(row.int(2)), storedKey: row.blob(3), serverKey: row.blob(4)),
      sha256: JabberCredential(salt: row.blob(5), iterations: Int(row.int(6)), storedKey: row.blob(7), serverKey: row.blob(8)),
      legacyPassword: row.optionalText(9))
  }

  public func addJabberAccount(_ account: JabberAccount) throws(StoreError) {
    try Self.validate(account)
    try transaction { () throws(StoreError) in
      if let existing = try jabberAccount(named: account.name) {
        throw .duplicate("jabber user '\(existing.name)' already exists")
      }
      try insert(account)
    }
  }

  /// Replaces the account's credentials (a new password, or the same one with its plaintext
  /// kept or dropped); what it replaces is overwritten (secure_delete) and the WAL emptied.
  public func setJabberAccount(_ account: JabberAccount) throws(StoreError) {
    try Self.validate(account)
    let changed = try database.run(
      """
      UPDATE jabber_accounts SET sha1_salt = ?, sha1_iterations = ?, sha1_stored_key = ?, sha1_server_key = ?,
        sha256_salt = ?, sha256_iterations = ?, sha256_stored_key = ?, sha256_server_key = ?, legacy_password = ?
      WHERE name = ?
      """,
      .blob(account.sha1.salt), .integer(Int64(account.sha1.iterations)), .blob(account.sha1.storedKey),
      .blob(account.sha1.serverKey), .blob(account.sha256.salt), .integer(Int64(account.sha256.iterations)),
      .blob(account.sha256.storedKey), .blob(account.sha256.serverKey), .text(account.legacyPassword),
      .text(account.name))
    if changed == 0 { throw .notFound("no jabber user '\(account.name)'") }
    if transactionDepth == 0 { truncateWAL() }
  }

  /// Drops a legacy account's plaintext password: from now on only its hashes are kept.
  public func clearJabberLegacyPassword(name: String) throws(StoreError) {
    let changed = try database.run("UPDATE jabber_accounts SET legacy_password = NULL WHERE name = ?", .text(name))
    if changed == 0 { throw .notFound("no jabber user '\(name)'") }
    if transactionDepth == 0 { truncateWAL() }
  }

  /// Removes the account with its offline messages, vCard, streams, archive, PEP nodes, private
  /// XML, room affiliations and block list.
  public func removeJabberUser(named name: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      let changed = try database.run("DELETE FROM jabber_accounts WHERE name = ?", .text(name))
      if changed == 0 { throw .notFound("no jabber user '\(name)'") }
      try database.run("DELETE FROM jabber_offline WHERE recipient = ?", .text(name))
      try database.run("DELETE FROM jabber_vcards WHERE name = ?", .text(name))
      try database.run("DELETE FROM jabber_streams WHERE name = ?", .text(name))
      try removeJabberArchive(of: name)
      try removeJabberPubSub(of: name)
      try database.run("DELETE FROM jabber_room_affiliations WHERE name = ?", .text(name))
      try database.run("DELETE FROM jabber_blocks WHERE name = ?", .text(name))
    }
    if transactionDepth == 0 { truncateWAL() }
  }

  private func insert(_ account: JabberAccount) throws(StoreError) {
    try database.run(
      "INSERT INTO jabber_accounts (\(Self.accountColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      .text(account.name), .blob(account.sha1.salt), .integer(Int64(account.sha1.iterations)),
      .blob(account.sha1.storedKey), .blob(account.sha1.serverKey), .blob(account.sha256.salt),
      .integer(Int64(account.sha256.iterations)), .blob(account.sha256.storedKey), .blob(account.sha256.serverKey),
      .text(account.legacyPassword))
  }

  /// Migration 8's Swift half: each plaintext user of the old table becomes an account (not
  /// legacy: its plaintext goes), then the old table goes. Without a hasher only an empty old
  /// table can be converted: the daemons never migrate, and a test or tool that opens an old
  /// file without one must not lose the users.
  func hashPlaintextJabberUsers(_ hashing: ((JabberUser) -> JabberAccount)?) throws(StoreError) {
    let users = try database.rows("SELECT name, password FROM jabber_users ORDER BY rowid") { row in
      JabberUser(name: row.text(0), password: row.text(1))
    }
    if !users.isEmpty {
      guard let hashing else {
        throw .io("\(path): holds plaintext jabber passwords; open it with slugctl to hash them")
      }
      for user in users {
        var account = hashing(user)
        account.legacyPassword = nil
        try insert(account)
      }
    }
    try database.execute("DELETE FROM jabber_users; DROP TABLE jabber_users")
  }

  private static func validate(_ account: JabberAccount) throws(StoreError) {
    guard JabberUser.isValidName(account.name) else {
      throw .invalid(
        "invalid jabber user name '\(account.name)': 1-64 bytes, no spaces, none of \"&'/:<>@#")
    }
    // The message leaves the password out: it may end up in a log.
    if let password = account.legacyPassword, !JabberUser.isValidPassword(password) {
      throw .invalid(
        "invalid password for jabber user '\(account.name)': 1-1023 bytes, no spaces or control characters")
    }
    for credential in [account.sha1, account.sha256] {
      guard credential.iterations >= JabberAccount.minimumIterations, !credential.salt.isEmpty,
        !credential.storedKey.isEmpty, !credential.serverKey.isEmpty
      else {
        throw .invalid(
          "invalid credentials for jabber user '\(account.name)': a salt, keys and at least "
            + "\(JabberAccount.minimumIterations) iterations")
      }
    }
  }
}
