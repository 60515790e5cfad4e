import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

extension Slugctl.Jabber {
  enum Room {
    static let command = Command(
      "room",
      abstract: "Manage the rooms of in.jabberd (XEP-0045, at conference.DOMAIN).",
      discussion: """
        The room `everyone` stands for the whole server: every account is a member, and it \
        cannot be removed. Users also make rooms by joining one that does not exist (they \
        own it); those stay until removed here. A members-only room refuses anyone who is not \
        a member, admin or owner.
        """,
      subcommands: [Add.command, Change.command, Remove.command, List.command])
  }
}

/// Tells the running sessions that rooms changed: occupants of a removed room are let go.
func notifyJabberRooms(of store: Store) {
  notifyMesh(of: store, service: "jabberd", Array("rooms-changed".utf8))
}

extension Slugctl.Jabber.Room {
  enum Add {
    static let command = Command(
      "add", abstract: "Add a room.",
      parameters: [
        .db,
        .argument("name", help: "The room's name (the local part of name@conference.DOMAIN), in lower case."),
        .option("title", value: "text", help: "The room's title (default: its name)."),
        .flag("members-only", help: "Only members, admins and owners may join."),
        .option("member", value: "user", help: "A member (repeat for more).", repeating: true),
        .option("owner", value: "user", help: "The room's owner (it may change its configuration)."),
      ],
      run: { (invocation) throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        var affiliations = invocation.all("member").map { JabberRoomAffiliation(user: $0, affiliation: .member) }
        if let owner = invocation.optional("owner") {
          affiliations.removeAll { $0.user == owner }
          affiliations.append(JabberRoomAffiliation(user: owner, affiliation: .owner))
        }
        try attempt { () throws(StoreError) in
          try opened.addJabberRoom(
            JabberRoom(
              name: invocation["name"], title: invocation.optional("title") ?? "",
              membersOnly: invocation.flag("members-only"), created: Int64(time(nil)), affiliations: affiliations))
        }
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Remove a room with its history (its occupants are let go).",
      parameters: [.db, .argument("name", help: "The room's name.")],
      run: { (invocation) throws(Failure) in
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in try opened.removeJabberRoom(named: invocation["name"]) }
        notifyJabberRooms(of: opened)
      })
  }

  enum List {
    static let command = Command(
      "list", abstract: "List the rooms (name, title, members-only, owners and members).",
      parameters: [.db, .json],
      run: { (invocation) throws(Failure) in
        let rooms = try attempt { () throws(StoreError) in try invocation.openStore().jabberRooms() }
        func users(_ room: JabberRoom, _ affiliation: JabberAffiliation) -> [String] {
          room.affiliations.filter { $0.affiliation == affiliation }.map { $0.user }
        }
        if invocation.json {
          Console.current.print(
            JSON.list(
              rooms.map { room in
                .object([
                  ("name", .string(room.name)), ("title", .string(room.title)), ("members_only", .bool(room.membersOnly)),
                  ("standing", .bool(room.standing)), ("creator", .optional(room.creator)),
                  ("owners", .array(users(room, .owner).map(JSON.string))),
                  ("admins", .array(users(room, .admin).map(JSON.string))),
                  ("members", .array(users(room, .member).map(JSON.string))),
                  ("outcasts", .array(users(room, .outcast).map(JSON.string))),
                ])
              }))
        } else {
          Console.current.print(
            Table.render(
              header: ["NAME", "TITLE", "OWNERS", "MEMBERS", "ACCESS"],
              rows: rooms.map { room in
                [
                  room.name, room.title, users(room, .owner).joined(separator: ","),
                  users(room, .member).joined(separator: ","),
                  room.standing ? "everyone" : room.membersOnly ? "members-only" : "open",
                ]
              }))
        }
      })
  }
}
