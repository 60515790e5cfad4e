import ArgumentParser
import Foundation
import Store
import Superserver

extension Slugctl {
  struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "init",
      abstract: "Create the store, or bring an existing one to the current schema.",
      discussion: """
        Run as root, init also creates the system users the daemons run as, one per program \
        (slug-www, slug-proxy, slug-jabberd, slug-smtp, slug-ctcs, slug-dns, slug-dhcp, \
        slug-mvp: no login shell, no home, a group of their own), unless --no-users; when \
        Postfix's group postdrop exists, slug-smtp joins it, so the sendmail in.smtp hands mail \
        to can queue it without gaining a group. It also gives the store to a system group (slug unless --group names \
        another; created with groupadd --system if missing): the file and its -wal and -shm \
        files get the group and mode 0660, and the store's directory gets the group and mode \
        0770 when init created it or it is /var/lib/slug, and it is root's and not \
        world-writable. The daemons `slugctl inetd generate` configures run with that group, \
        so create the store they read and write with init.
        """)

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("The group that may read and write the store (when run as root).", valueName: "name"))
    var group: String = StoreGroup.defaultName
    @Flag(help: "Leave the store's group alone.")
    var noGroup = false
    @Flag(help: "Do not create the daemons' system users.")
    var noUsers = false

    func validate() throws {
      guard !group.isEmpty, !group.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "." || $0 == "/" }) else {
        throw ValidationError("--group '\(group)' is not a group name")
      }
    }

    func run() throws {
      let path = store.path
      let directory = StoreGroup.directory(of: path)
      // Only a directory that is slug's own gets the group: one init is about to make, or the
      // default one. A directory the user already had (/tmp, a home) keeps its group and mode.
      let ownDirectory = access(directory, F_OK) != 0 || directory == StoreGroup.directory(of: Store.defaultPath)
      let opened = try store.openStore()
      var line = "\(opened.path): schema version \(Store.schemaVersion)"
      if geteuid() == 0, !noUsers {
        let created = try SystemAccounts.ensureServiceUsers()
        if !created.isEmpty { line += ", created users \(created.joined(separator: " "))" }
        if let joined = try SystemAccounts.joinMailDropGroup() { line += ", \(joined) joined \(SystemAccounts.mailDropGroup)" }
      }
      if geteuid() == 0, !noGroup {
        try StoreGroup.give(storeAt: opened.path, to: try StoreGroup.ensure(group), ownDirectory: ownDirectory)
        line += ", group \(group)"
      }
      Console.current.print(line)
    }
  }
}
