import CLibc

/// The accounts AUTH checks: in.jabberd's, in the store, so a person has one password for
/// chat and mail. The store keeps salted SCRAM keys (docs/design.md, "Trust model"): a password
/// is checked by deriving StoredKey again with the stored salt and iterations and comparing in
/// constant time. The store is opened read only, at the first AUTH: a connection that never
/// authenticates never opens it.
final class MailAccounts {
  let databasePath: String
  /// `alice@DOMAIN` names alice; lower case.
  let domain: String
  private var store: Store?

  init(databasePath: String, domain: String) {
    self.databasePath = databasePath
    self.domain = domain
  }

  /// An unknown name (or one at another domain) is checked against a decoy with the usual
  /// iteration count: the answer takes as long, so timing does not tell which names exist.
  func check(_ credentials: SMTPCredentials, log: Log) -> SMTPAuthentication {
    let name = accountName(credentials.user)
    let account: JabberAccount?
    do throws(StoreError) {
      if store == nil { store = try Store(readingFrom: databasePath) }
      account = try name.flatMap { name throws(StoreError) in try store?.jabberAccount(named: name) }
    } catch {
      log.error("store: \(error.description)")
      return .unavailable
    }
    let keys =
      account.map {
        SCRAMKeys(
          salt: $0.sha256.salt, iterations: $0.sha256.iterations, storedKey: $0.sha256.storedKey,
          serverKey: $0.sha256.serverKey)
      }
      ?? SCRAMKeys(
        salt: Array("in.smtp decoy salt".utf8), iterations: JabberAccount.minimumIterations,
        storedKey: [UInt8](repeating: 0, count: 32), serverKey: [])
    guard keys.matches(credentials.password, hash: .sha256), let account else { return .rejected }
    // The authorization identity may only name the account itself (RFC 4616 §2).
    let authorization = credentials.authorizationID
    guard authorization.isEmpty || accountName(authorization) == account.name else { return .rejected }
    return .accepted(user: account.name)
  }

  /// `alice` or `alice@DOMAIN` as the account name alice; nil for another domain.
  func accountName(_ user: String) -> String? {
    guard let at = user.utf8.lastIndex(of: UInt8(ascii: "@")) else { return user }
    guard ASCII.lowercased(user[user.index(after: at)...]) == domain else { return nil }
    return String(user[..<at])
  }
}
