#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.Jabber.Room {
  /// What a room's owner changes from a client (XEP-0045 §9-§10), from the command line: the
  /// running sessions are told, and their clients see it at once (a banned occupant is sent
  /// out, one no longer a member of a members-only room too).
  enum Change {
    static let command = Command(
      "set", abstract: "Change a room's title, access, password, owners, admins, members and outcasts.",
      discussion: """
        Each user option may be repeated; --none takes away what a user is to the room (in the \
        room for everyone that leaves a member). All the changes are made together or none is.
        """,
      parameters: [
        .db,
        .argument("name", help: "The room's name."),
        .option("title", value: "text", help: "The room's title (empty: its name)."),
        .option("password", value: "text", help: "The password a join must carry (empty: none)."),
        .flag("members-only", invertible: true, help: "Only members, admins and owners may join (--no-members-only: anyone)."),
        .option("owner", value: "user", help: "Make the user an owner.", repeating: true),
        .option("admin", value: "user", help: "Make the user an admin.", repeating: true),
        .option("member", value: "user", help: "Make the user a member.", repeating: true),
        .option("outcast", value: "user", help: "Ban the user.", repeating: true),
        .option("none", value: "user", help: "Make the user nothing to the room.", repeating: true),
      ],
      run: { (invocation) throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        let name = invocation["name"]
        try attempt { () throws(StoreError) in
          try opened.transaction { () throws(StoreError) in
            guard let room = try opened.jabberRoom(named: name) else { throw StoreError.notFound("no room '\(name)'") }
            let title = invocation.optional("title")
            let membersOnly = invocation.flagState("members-only")
            if title != nil || membersOnly != nil {
              try opened.configureJabberRoom(
                named: room.name, title: title ?? room.title, membersOnly: membersOnly ?? room.membersOnly)
            }
            if let password = invocation.optional("password") { try opened.setJabberRoomPassword(named: room.name, password) }
            let wanted: [(String, JabberAffiliation?)] = [
              ("owner", .owner), ("admin", .admin), ("member", .member), ("outcast", .outcast), ("none", nil),
            ]
            for (option, affiliation) in wanted {
              for user in invocation.all(option) {
                try opened.setJabberRoomAffiliation(room: room.name, user: user, affiliation)
              }
            }
          }
        }
        notifyJabberRooms(of: opened)
      })
  }
}
