/// Jabber accounts: names unique without regard to case, listed by name.
extension Store {
  public func jabberUsers() throws(StoreError) -> [JabberUser] {
    try database.rows("SELECT name, password FROM jabber_users ORDER BY name, rowid") { row in
      JabberUser(name: row.text(0), password: row.text(1))
    }
  }

  public func jabberUser(named name: String) throws(StoreError) -> JabberUser? {
    try database.row("SELECT name, password FROM jabber_users WHERE name = ?", .text(name)) { row in
      JabberUser(name: row.text(0), password: row.text(1))
    }
  }

  public func addJabberUser(_ user: JabberUser) throws(StoreError) {
    try Self.validateJabberName(user.name)
    try Self.validateJabberPassword(user.password, of: user.name)
    try transaction { () throws(StoreError) in
      if let existing = try jabberUser(named: user.name) {
        throw .duplicate("jabber user '\(existing.name)' already exists")
      }
      try database.run(
        "INSERT INTO jabber_users (name, password) VALUES (?, ?)", .text(user.name), .text(user.password))
    }
  }

  public func setJabberPassword(name: String, password: String) throws(StoreError) {
    try Self.validateJabberPassword(password, of: name)
    let changed = try database.run(
      "UPDATE jabber_users SET password = ? WHERE name = ?", .text(password), .text(name))
    if changed == 0 { throw .notFound("no jabber user '\(name)'") }
  }

  /// Removes the account with its offline messages and vCard.
  public func removeJabberUser(named name: String) throws(StoreError) {
    try transaction { () throws(StoreError) in
      let changed = try database.run("DELETE FROM jabber_users WHERE name = ?", .text(name))
      if changed == 0 { throw .notFound("no jabber user '\(name)'") }
      try database.run("DELETE FROM jabber_offline WHERE recipient = ?", .text(name))
      try database.run("DELETE FROM jabber_vcards WHERE name = ?", .text(name))
    }
  }

  private static func validateJabberName(_ name: String) throws(StoreError) {
    guard JabberUser.isValidName(name) else {
      throw .invalid(
        "invalid jabber user name '\(name)': 1-64 bytes, no spaces, none of \"&'/:<>@#")
    }
  }

  /// The message leaves the password out: it may end up in a log.
  private static func validateJabberPassword(_ password: String, of name: String) throws(StoreError) {
    guard JabberUser.isValidPassword(password) else {
      throw .invalid(
        "invalid password for jabber user '\(name)': 1-1023 bytes, no spaces or control characters")
    }
  }
}
