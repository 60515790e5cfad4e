#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
#endif

extension Slugctl {
  enum Jabber {
    static let command = Command(
      "jabber",
      abstract: "Manage the accounts of in.jabberd.",
      discussion: """
        The store keeps each password as SCRAM-SHA-1 and SCRAM-SHA-256 credentials (salt, 4096 \
        iterations, StoredKey, ServerKey), never the password itself. An account marked --legacy \
        also keeps the password in the clear, which the jabber:iq:auth digest login (XEP-0078) \
        and `slugctl export in.jabberd.conf` need; the cost: every process that can read the \
        store (each daemon in group slug) can read it and log in as that user. Mark only \
        accounts whose client can do nothing else.
        """,
      subcommands: [AddUser.command, DelUser.command, Passwd.command, List.command, Archive.command, Room.command, Upload.command])
  }
}

/// A password from the command line or, kept out of `ps` and shell history, from stdin.
struct PasswordOptions {
  static let parameters: [Parameter] = [
    .option("password", value: "pw", help: "The password (visible to other local users in ps)."),
    .flag("password-stdin", help: "Read the password from the first line of stdin."),
  ]

  var password: String?
  var passwordStdin: Bool

  init(_ invocation: Invocation) {
    password = invocation.optional("password")
    passwordStdin = invocation.flag("password-stdin")
  }

  /// Both is an error here; neither is one for the commands that need a password (`require`).
  func validate() throws(Failure) {
    guard password == nil || !passwordStdin else {
      throw Failure.usage("give exactly one of --password PW and --password-stdin")
    }
  }

  var isGiven: Bool { password != nil || passwordStdin }

  func require() throws(Failure) {
    guard isGiven else { throw Failure.usage("give exactly one of --password PW and --password-stdin") }
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
  enum AddUser {
    static let command = Command(
      "adduser", abstract: "Add a jabber account.",
      parameters: [.db, .argument("name", help: "The user name (the local part of name@host).")]
        + PasswordOptions.parameters + [
          .flag(
            "legacy",
            help: "Also keep the password in the clear, for the legacy digest login and export (see jabber --help)."),
        ],
      run: { (invocation) throws(Failure) in
        let password = PasswordOptions(invocation)
        try password.validate()
        try password.require()
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in
          try opened.addJabberAccount(
            JabberPasswords.account(name: invocation["name"], password: password.read(), legacy: invocation.flag("legacy")))
        }
        notifyJabberSessions(of: opened)
      })
  }

  enum DelUser {
    static let command = Command(
      "deluser", abstract: "Remove a jabber account.",
      parameters: [.db, .argument("name", help: "The user name.")],
      run: { (invocation) throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in try opened.removeJabberUser(named: invocation["name"]) }
        notifyJabberSessions(of: opened)
      })
  }

  enum Passwd {
    static let command = Command(
      "passwd", abstract: "Change a jabber account's password, or whether it keeps it in the clear.",
      discussion: """
        With a new password the account stays as it was (legacy or not) unless --legacy or \
        --no-legacy says otherwise. --no-legacy alone drops the password kept in the clear \
        (overwritten in the file) and keeps the hashes; --legacy needs the password again.
        """,
      parameters: [.db, .argument("name", help: "The user name.")] + PasswordOptions.parameters + [
        .flag(
          "legacy", invertible: true,
          help: "Keep the password in the clear too (--legacy), or no longer (--no-legacy); see jabber --help."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let name = invocation["name"]
      let password = PasswordOptions(invocation)
      let legacy = invocation.flagState("legacy")
      try password.validate()
      if legacy != false { try password.require() }
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      if legacy == false, !password.isGiven {
        try attempt { () throws(StoreError) in try opened.clearJabberLegacyPassword(name: name) }
        return
      }
      guard let existing = try attempt({ () throws(StoreError) in try opened.jabberAccount(named: name) }) else {
        throw StoreError.notFound("no jabber user '\(name)'").failure
      }
      var account = try attempt { () throws(StoreError) in
        try JabberPasswords.account(name: existing.name, password: password.read(), legacy: legacy ?? existing.isLegacy)
      }
      account.name = existing.name
      try attempt { () throws(StoreError) in try opened.setJabberAccount(account) }
      notifyJabberSessions(of: opened)
    }
  }

  enum List {
    static let command = Command(
      "list", abstract: "List the jabber accounts (names, and which keep their password for legacy logins).",
      parameters: [.db, .json],
      run: { (invocation) throws(Failure) in
        let users = try attempt { () throws(StoreError) in try invocation.openStore().jabberAccounts() }
        if invocation.json {
          Console.current.print(
            JSON.list(users.map { .object([("name", .string($0.name)), ("legacy", .bool($0.isLegacy))]) }))
        } else {
          Console.current.print(
            Table.render(header: ["NAME", "LEGACY"], rows: users.map { [$0.name, $0.isLegacy ? "yes" : "no"] }))
        }
      })
  }
}
