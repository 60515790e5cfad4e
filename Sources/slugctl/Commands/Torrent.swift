import CLibc
#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import CTCS
import Runtime
import Store
#endif

extension Slugctl {
  enum Torrent {
    static let command = Command(
      "torrent",
      abstract: "Manage the torrent queue in.ctcs runs.",
      subcommands: [
        Add.command, List.command, Pause.command, Resume.command, Remove.command, Run.command, Quit.command,
        Update.command, Restart.command, Limit.command, Move.command, Settings.command,
      ])
  }
}

extension Slugctl.Torrent {
  enum Add {
    static let command = Command(
      "add",
      abstract: "Queue a .torrent file or URL; prints the new torrent's id and starts the queue.",
      parameters: [
        .db,
        .argument(
          "file.torrent|url", help: "The metainfo file, or its http, https or ftp URL (fetched with curl or wget).",
          completion: .file(extensions: ["torrent"])),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let file = invocation["file.torrent|url"]
      let metainfo = try TorrentQueue.isURL(file) ? TorrentQueue.fetch(file) : readInputFile(file)
      let name: String
      do throws(Bencode.DecodeError) {
        name = try TorrentMetainfo.name(of: metainfo)
      } catch {
        throw Failure.dataError("\(file) is not a torrent file (\(error.description))")
      }
      let torrent = try attempt { () throws(StoreError) in
        try invocation.openStore().addTorrent(name: name, metainfo: metainfo, now: Int64(time(nil)))
      }
      Console.current.print("\(torrent.id)")
      TorrentQueue.start(storePath: invocation.storeOptions.path)
    }
  }

  enum List {
    static let command = Command(
      "list", abstract: "List the queue with each torrent's progress.", parameters: [.db, .json], run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let torrents = try attempt { () throws(StoreError) in try invocation.openStore().torrents() }
      if invocation.json {
        Console.current.print(JSON.list(torrents.map { torrent in
          .object([
            ("id", .integer(torrent.id)), ("name", .string(torrent.name)), ("state", .string(torrent.state.rawValue)),
            ("position", .integer(torrent.position)), ("added", .integer(torrent.added)),
            ("piecesHave", .integer(torrent.status.piecesHave)), ("piecesTotal", .integer(torrent.status.piecesTotal)),
            ("downloadRate", .integer(torrent.status.downloadRate)), ("uploadRate", .integer(torrent.status.uploadRate)),
          ])
        }))
      } else {
        Console.current.print(Table.render(
          header: ["ID", "STATE", "PIECES", "DOWN/s", "UP/s", "NAME"],
          rows: torrents.map { torrent in
            [
              "\(torrent.id)", torrent.state.rawValue, "\(torrent.status.piecesHave)/\(torrent.status.piecesTotal)",
              "\(torrent.status.downloadRate)", "\(torrent.status.uploadRate)", torrent.name,
            ]
          }))
      }
    }
  }

  enum Pause {
    static let command = Command(
      "pause", abstract: "Stop a torrent until it is resumed.",
      parameters: [.db, .argument("id", help: "The torrent's id (see torrent list).")],
      run: { invocation throws(Failure) in
        let id = try invocation.number("id")
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in try opened.setTorrentState(id: id, .paused) }
        notifyTorrentServer(of: opened, id: id, .pause)
      })
  }

  enum Resume {
    static let command = Command(
      "resume",
      abstract: "Run a paused, failed or done torrent again (through the queue unless its client is still connected).",
      parameters: [.db, .argument("id", help: "The torrent's id.")],
      run: { invocation throws(Failure) in
        let id = try invocation.number("id")
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        // A ctorrent still alive (paused by CTCONFIG, the queue runner's or one started by hand
        // whose in.ctcs is connected): running again, not queued, so no runner starts a second
        // one; its in.ctcs unpauses it. Otherwise queued for the queue runner.
        let state = try attempt { () throws(StoreError) in
          try opened.resumeTorrent(id: id, startTime: ProcessTable.startTime)
        }
        notifyTorrentServer(of: opened, id: id, .resume)
        if state == .queued { TorrentQueue.start(storePath: invocation.storeOptions.path) }
      })
  }

  enum Remove {
    static let command = Command(
      "rm", abstract: "Remove a torrent from the queue (downloaded data stays).",
      parameters: [.db, .argument("id", help: "The torrent's id.")],
      run: { invocation throws(Failure) in
        let id = try invocation.number("id")
        let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
        try attempt { () throws(StoreError) in try opened.removeTorrent(id: id) }
        // Its ctorrent, if connected, stops: nothing would show or control it any more.
        notifyTorrentServer(of: opened, id: id, .quit)
      })
  }
}
