import ArgumentParser
import Runtime
import Store

extension Slugctl {
  struct Jabber: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "jabber",
      abstract: "Manage the accounts of in.jabberd.",
      discussion: """
        The store keeps each password as SCRAM-SHA-1 and SCRAM-SHA-256 credentials (salt, 4096 \
        iterations, StoredKey, ServerKey), never the password itself. An account marked --legacy \
        also keeps the password in the clear, which the jabber:iq:auth digest login (XEP-0078) \
        and `slugctl export in.jabberd.conf` need; the cost: every process that can read the \
        store (each daemon in group slug) can read it and log in as that user. Mark only \
        accounts whose client can do nothing else.
        """,
      subcommands: [AddUser.self, DelUser.self, Passwd.self, List.self])
  }
}

/// A password from the command line or, kept out of `ps` and shell history, from stdin.
struct PasswordOptions: ParsableArguments {
  @Option(help: ArgumentHelp("The password (visible to other local users in ps).", valueName: "pw"))
  var password: String?

  @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of stdin.")
  var passwordStdin = false

  /// Both is an error here; neither is one for the commands that need a password (`require`).
  func validate() throws {
    guard password == nil || !passwordStdin else {
      throw ValidationError("give exactly one of --password PW and --password-stdin")
    }
  }

  var isGiven: Bool { password != nil || passwordStdin }

  func require() throws {
    guard isGiven else { throw ValidationError("give exactly one of --password PW and --password-stdin") }
  }

  func read() -> String {
    if let password { return password }
    // Bytes, not Characters: "\r\n" is a single Character and would not split at "\n".
    var line = Console.current.readInput().prefix { $0 != UInt8(ascii: "\n") }
    if line.last == UInt8(ascii: "\r") { line.removeLast() }
    return String(decoding: line, as: UTF8.self)
  }
}

/// Tells the in.jabberd sessions running on this store, after a commit, that the accounts
/// changed, so they re-read them and push roster changes to their clients: one message to
/// each process of the store's mesh (see PeerMesh); nothing when no one is online.
func notifyJabberSessions(of store: Store) {
  notifyMesh(of: store, service: "jabberd", Array("users-changed".utf8))
}

extension Slugctl.Jabber {
  struct AddUser: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adduser", abstract: "Add a jabber account.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The user name (the local part of name@host).", valueName: "name"))
    var name: String
    @OptionGroup var password: PasswordOptions
    @Flag(help: "Also keep the password in the clear, for the legacy digest login and export (see jabber --help).")
    var legacy = false

    func validate() throws { try password.require() }

    func run() throws {
      let opened = try store.openStore()
      try opened.addJabberAccount(JabberPasswords.account(name: name, password: password.read(), legacy: legacy))
      notifyJabberSessions(of: opened)
    }
  }

  struct DelUser: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deluser", abstract: "Remove a jabber account.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The user name.", valueName: "name"))
    var name: String

    func run() throws {
      let opened = try store.openStore()
      try opened.removeJabberUser(named: name)
      notifyJabberSessions(of: opened)
    }
  }

  struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "passwd", abstract: "Change a jabber account's password, or whether it keeps it in the clear.",
      discussion: """
        With a new password the account stays as it was (legacy or not) unless --legacy or \
        --no-legacy says otherwise. --no-legacy alone drops the password kept in the clear \
        (overwritten in the file) and keeps the hashes; --legacy needs the password again.
        """)

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The user name.", valueName: "name"))
    var name: String
    @OptionGroup var password: PasswordOptions
    @Flag(
      inversion: .prefixedNo,
      help: "Keep the password in the clear too (--legacy), or no longer (--no-legacy); see jabber --help.")
    var legacy: Bool?

    func validate() throws {
      if legacy != false { try password.require() }
    }

    func run() throws {
      let opened = try store.openStore()
      if legacy == false, !password.isGiven {
        try opened.clearJabberLegacyPassword(name: name)
        return
      }
      guard let existing = try opened.jabberAccount(named: name) else { throw StoreError.notFound("no jabber user '\(name)'") }
      var account = try JabberPasswords.account(
        name: existing.name, password: password.read(), legacy: legacy ?? existing.isLegacy)
      account.name = existing.name
      try opened.setJabberAccount(account)
      notifyJabberSessions(of: opened)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List the jabber accounts (names, and which keep their password for legacy logins).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      let users = try store.openStore().jabberAccounts()
      if output.json {
        Console.current.print(JSON.list(users.map { .object([("name", .string($0.name)), ("legacy", .bool($0.isLegacy))]) }))
      } else {
        Console.current.print(Table.render(header: ["NAME", "LEGACY"], rows: users.map { [$0.name, $0.isLegacy ? "yes" : "no"] }))
      }
    }
  }
}
