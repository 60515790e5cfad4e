import CLibc

/// in.jabberd's command line.
struct JabberOptions: DaemonOptions {
  static let synopsis = "[-d] [-n] [--db PATH] [-c in.jabberd.conf] [--domain NAME] [-t IDLE] [--legacy] [--tls] [--tls-dir DIR] [--allow-plaintext] [--max-clients N] [--max-per-source N]"
  static let flags: [String] = ["legacy", "tls", "allow-plaintext"]
  static let valueOptions: [String] = ["db", "c", "domain", "t", "tls-dir"] + ConnectionCaps.optionNames

  /// The store: offline messages and vCards, and the users unless `usersFile` is given.
  var database: String?
  /// Drop-in mode: users from the original's `name : password` file, re-read when it changes.
  var usersFile: String?
  var domain: String?
  var idleSeconds: Int
  /// Streams as the original answered them: no version, no SASL, jabber:iq:auth only.
  var legacy: Bool
  /// Streams at once: one per online client, so a household's phones and computers, each
  /// host with a few accounts or resources; a gateway or bots on one host may hold dozens.
  var caps: ConnectionCaps
  /// Direct TLS (XEP-0368, port 5223): the handshake comes before the stream.
  var directTLS: Bool
  /// Where the certificate is: --tls-dir, or `tls` beside the store; nil without either.
  var tlsDirectory: String?
  /// Logins in the clear although a certificate is installed (unsafe).
  var allowPlaintext: Bool

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    legacy = arguments.has("legacy")
    idleSeconds = try arguments.integer("t", in: 10...86400) ?? 600
    usersFile = arguments.value("c")
    caps = try ConnectionCaps(arguments, total: 128, perSource: 64)
    // With -c the store is used only when named (--db or $SLUG_DB).
    if usersFile == nil {
      database = Store.resolvePath(option: arguments.value("db"))
    } else if let named = arguments.value("db") {
      database = named
    } else if let environment = getenv("SLUG_DB"), environment.pointee != 0 {
      database = String(cString: environment)
    }
    directTLS = arguments.has("tls")
    allowPlaintext = arguments.has("allow-plaintext")
    tlsDirectory = arguments.value("tls-dir") ?? database.map { TLSHandoff.defaultDirectory(forStore: $0) }
    if let text = arguments.value("domain") {
      guard let jid = JID(text), jid.local.isEmpty, jid.isBare else {
        throw UsageError("--domain needs a domain name, not '\(text)'")
      }
      domain = jid.domain
    }
  }
}
