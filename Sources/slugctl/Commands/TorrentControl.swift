import ArgumentParser
import CTCS
import Runtime
import Store

/// Tells the in.ctcs serving torrent `id` what `request` asks (each process of the store's
/// in.ctcs mesh gets it; the others ignore it). Nothing happens when that torrent's client is
/// not connected.
func notifyTorrentServer(of store: Store, id: Int64, _ request: TorrentRequest) {
  notifyTorrentServers(of: store, .request(torrent: id, request))
}

/// Sends `message` to every process of the store's in.ctcs mesh (`rebalance`: each shares the
/// line again from the store).
func notifyTorrentServers(of store: Store, _ message: CTCSMeshMessage) {
  notifyMesh(of: store, service: "ctcs", message.bytes)
}

/// The torrent must exist: a command for a missing id is an error, not silence.
func requireTorrent(_ store: Store, _ id: Int64) throws {
  guard try store.torrent(id: id) != nil else { throw StoreError.notFound("no torrent \(id)") }
}

/// A verb that only passes its request to the in.ctcs serving the torrent.
protocol TorrentControlVerb: ParsableCommand {
  static var request: TorrentRequest { get }
  var store: StoreOptions { get }
  var id: Int64 { get }
}

extension TorrentControlVerb {
  func run() throws {
    let opened = try store.openStore()
    try requireTorrent(opened, id)
    notifyTorrentServer(of: opened, id: id, Self.request)
  }
}

extension Slugctl.Torrent {
  struct Quit: TorrentControlVerb {
    static let configuration = CommandConfiguration(
      commandName: "quit", abstract: "Stop a running torrent's client cleanly (it is marked done).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64

    static let request = TorrentRequest.quit
  }

  struct Update: TorrentControlVerb {
    static let configuration = CommandConfiguration(
      commandName: "update", abstract: "Ask a running torrent's tracker for more peers.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64

    static let request = TorrentRequest.update
  }

  struct Restart: TorrentControlVerb {
    static let configuration = CommandConfiguration(
      commandName: "restart", abstract: "Restart a running torrent's tracker session (new peers).")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64

    static let request = TorrentRequest.restart
  }

  struct Limit: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "limit",
      abstract: "Set a torrent's bandwidth bounds (KB/s; an absent bound is removed); the running torrents share the line again at once.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64
    @Option(name: .customLong("min-down"), help: ArgumentHelp("Download rate it always gets.", valueName: "KB/s"))
    var minDown: Int64?
    @Option(name: .customLong("max-down"), help: ArgumentHelp("Download rate it never exceeds.", valueName: "KB/s"))
    var maxDown: Int64?
    @Option(name: .customLong("min-up"), help: ArgumentHelp("Upload rate it always gets.", valueName: "KB/s"))
    var minUp: Int64?
    @Option(name: .customLong("max-up"), help: ArgumentHelp("Upload rate it never exceeds.", valueName: "KB/s"))
    var maxUp: Int64?

    func run() throws {
      let opened = try store.openStore()
      func bytes(_ kilobytes: Int64?) -> Int64? { kilobytes.map { $0 > Int64.max / 1024 ? Int64.max : $0 * 1024 } }
      try opened.setTorrentRates(
        id: id, minDownload: bytes(minDown), maxDownload: bytes(maxDown), minUpload: bytes(minUp),
        maxUpload: bytes(maxUp))
      notifyTorrentServer(of: opened, id: id, .rebalance)
    }
  }

  struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "move",
      abstract: "Move a torrent in the queue, which starts queued torrents front first; prints its place now.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("The torrent's id.", valueName: "id"))
    var id: Int64
    @Argument(help: ArgumentHelp("first, last, up, down, or a place (1 is the front).", valueName: "place"))
    var place: String

    static func parse(_ text: String) -> Store.QueuePlace? {
      switch text {
      case "first", "top": return .first
      case "last", "bottom": return .last
      case "up": return .up
      case "down": return .down
      default: return Int(text).flatMap { $0 >= 1 ? .at($0) : nil }
      }
    }

    func validate() throws {
      guard Move.parse(place) != nil else {
        throw ValidationError("place '\(place)' is not first, last, up, down or a number from 1")
      }
    }

    func run() throws {
      guard let target = Move.parse(place) else { return }
      Console.current.print("\(try store.openStore().moveTorrent(id: id, to: target))")
    }
  }
}
