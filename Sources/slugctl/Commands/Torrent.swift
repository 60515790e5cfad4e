import ArgumentParser
import CTCS
import Glibc
import Runtime
import Store

extension Slugctl {
  struct Torrent: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "torrent",
      abstract: "Manage the torrent queue in.ctcs runs.",
      subcommands: [
        Add.self, List.self, Pause.self, Resume.self, Remove.self, Run.self, Quit.self, Update.self, Restart.self,
        Limit.self, Move.self, Settings.self,
      ])
  }
}

extension Slugctl.Torrent {
  struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "add",
      abstract: "Queue a .torrent file or URL; prints the new torrent's id and starts the queue.")

    @OptionGroup var store: StoreOptions
    @Argument(
      help: ArgumentHelp("The metainfo file, or its http, https or ftp URL (fetched with curl or wget).", valueName: "file.torrent|url"),
      completion: .file(extensions: ["torrent"]))
    var file: String

    func run() throws {
      let metainfo = try TorrentQueue.isURL(file) ? TorrentQueue.fetch(file) : readInputFile(file)
      let name: String
      do {
        name = try TorrentMetainfo.name(of: metainfo)
      } catch {
        throw Failure.dataError("\(file) is not a torrent file (\(error))")
      }
      let torrent = try store.openStore().addTorrent(name: name, metainfo: metainfo, now: Int64(time(nil)))
      Console.current.print("\(torrent.id)")
      TorrentQueue.start(storePath: store.path)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the queue with each torrent's progress.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
      let torrents = try store.openStore().torrents()
      if output.json {
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

  struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop a torrent until it is resumed.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id (see torrent list).", valueName: "id"))
    var id: Int64

    func run() throws {
      let opened = try store.openStore()
      try opened.setTorrentState(id: id, .paused)
      notifyTorrentServer(of: opened, id: id, .pause)
    }
  }

  struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Run a paused, failed or done torrent again (through the queue unless its client is still connected).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64

    func run() throws {
      let opened = try store.openStore()
      // A ctorrent still alive (paused by CTCONFIG, the queue runner's or one started by hand
      // whose in.ctcs is connected): running again, not queued, so no runner starts a second
      // one; its in.ctcs unpauses it. Otherwise queued for the queue runner.
      let state = try opened.resumeTorrent(id: id, startTime: ProcessTable.startTime)
      notifyTorrentServer(of: opened, id: id, .resume)
      if state == .queued { TorrentQueue.start(storePath: store.path) }
    }
  }

  struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a torrent from the queue (downloaded data stays).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64

    func run() throws {
      let opened = try store.openStore()
      try opened.removeTorrent(id: id)
      // Its ctorrent, if connected, stops: nothing would show or control it any more.
      notifyTorrentServer(of: opened, id: id, .quit)
    }
  }
}
