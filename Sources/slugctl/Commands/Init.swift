import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Runtime
import Store
import Superserver
#endif

extension Slugctl {
  enum Init {
    static let command = Command(
      "init",
      abstract: "Create the store, or bring an existing one to the current schema.",
      discussion: """
        Run as root, init also creates the system users the daemons run as, one per program \
        (slug-www, slug-proxy, slug-jabberd, slug-smtp, slug-ctcs, slug-dns, slug-dhcp, \
        slug-mvp: no login shell, no home, a group of their own), unless --no-users; when \
        Postfix's group postdrop exists, slug-smtp joins it, so the sendmail in.smtp hands mail \
        to can queue it without gaining a group. It also \
        gives the store to a system group (slug unless --group names another; created with \
        groupadd --system if missing): the file and its -wal and -shm files become root's, with \
        the group and mode 0660, and the daemons that only read the store (slug-dns, slug-smtp) may read \
        them through an access ACL. The store's directory stays root's, mode 0755, so no daemon \
        and no member of the group can put anything in it: init makes it so when it created the \
        directory, it is /var/lib/slug or an earlier init gave it to the group, and it refuses a \
        directory that others than root may write to. A store file, -wal or -shm that is a \
        symbolic link or anything but a regular file is refused and left as it is. Torrent \
        download and metainfo directories inside the store's directory are made for slug-ctcs \
        (mode 0750). init also makes the secret that signs file uploads (upload.key beside the \
        store, readable by slug-www and slug-jabberd alone) and the directory in.www keeps the \
        files in (upload/, slug-www's, mode 0700). The daemons `slugctl inetd generate` configures run with those users and \
        that group, so create the store they read and write with init. Then slugctl tls init \
        makes the certificates in.www, in.jabberd and in.smtp serve (their users must exist first, \
        to be given read access to the key).
        """,
      parameters: [
        .db,
        .option(
          "group", value: "name", help: "The group that may read and write the store (when run as root).",
          default: StoreGroup.defaultName),
        .flag("no-group", help: "Leave the store's group alone."),
        .flag("no-users", help: "Do not create the daemons' system users."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let group = invocation["group"], noGroup = invocation.flag("no-group"), noUsers = invocation.flag("no-users")
      guard !group.isEmpty, !group.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "." || $0 == "/" }) else {
        throw Failure.usage("--group '\(group)' is not a group name")
      }
      let path = invocation.storeOptions.path
      let asRoot = geteuid() == 0
      if asRoot {
        // Before anything is opened: once the directory is root's alone, nobody can swap a
        // store file for a link while init works.
        let own = FilePath.directory(of: path) == FilePath.directory(of: Store.defaultPath)
        try StoreGroup.secureDirectory(of: path, own: own, group: noGroup ? nil : getgrnam(group)?.pointee.gr_gid)
      }
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      var line = "\(opened.path): schema version \(Store.schemaVersion)"
      if asRoot, !noUsers {
        let created = try SystemAccounts.ensureServiceUsers()
        if !created.isEmpty { line += ", created users \(created.joined(separator: " "))" }
        if let joined = try SystemAccounts.joinMailDropGroup() { line += ", \(joined) joined \(SystemAccounts.mailDropGroup)" }
      }
      if asRoot, !noGroup {
        let gid = try StoreGroup.ensure(group)
        let readers = Catalog.services.filter { $0.store == .read }.map { $0.user }.filter { getpwnam($0) != nil }
        try StoreGroup.give(storeAt: opened.path, to: gid, readers: readers.compactMap { getpwnam($0)?.pointee.pw_uid })
        line += ", group \(group)"
        if !readers.isEmpty { line += ", read-only for \(Array(Set(readers)).sorted().joined(separator: " "))" }
        try TorrentDirectories.prepare(for: opened)
      }
      try UploadFiles.prepare(for: opened)
      Console.current.print(line)
    }
  }
}
