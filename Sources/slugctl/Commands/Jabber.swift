import ArgumentParser
import Runtime
import Store

extension Slugctl {
  struct Jabber: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "jabber",
      abstract: "Manage the accounts of in.jabberd.",
      subcommands: [AddUser.self, DelUser.self, Passwd.self, List.self])
  }
}

/// A password from the command line or, kept out of `ps` and shell history, from stdin.
struct PasswordOptions: ParsableArguments {
  @Option(help: ArgumentHelp("The password (visible to other local users in ps).", valueName: "pw"))
  var password: String?

  @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of stdin.")
  var passwordStdin = false

  func validate() throws {
    guard (password != nil) != passwordStdin else {
      throw ValidationError("give exactly one of --password PW and --password-stdin")
    }
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

    func run() throws {
      let opened = try store.openStore()
      try opened.addJabberUser(JabberUser(name: name, password: password.read()))
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
    static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Change a jabber account's password.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The user name.", valueName: "name"))
    var name: String
    @OptionGroup var password: PasswordOptions

    func run() throws {
      let opened = try store.openStore()
      try opened.setJabberPassword(name: name, password: password.read())
      notifyJabberSessions(of: opened)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "List the jabber accounts (names only; passwords are not printed).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      let users = try store.openStore().jabberUsers()
      if output.json {
        Console.current.print(JSON.list(users.map { .object([("name", .string($0.name))]) }))
      } else {
        Console.current.print(Table.render(header: ["NAME"], rows: users.map { [$0.name] }))
      }
    }
  }
}
