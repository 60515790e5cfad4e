#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import CTCS
import Runtime
import Store
#endif

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
func requireTorrent(_ store: Store, _ id: Int64) throws(Failure) {
  guard try attempt({ () throws(StoreError) in try store.torrent(id: id) }) != nil else {
    throw StoreError.notFound("no torrent \(id)").failure
  }
}

/// A verb that only passes its request to the in.ctcs serving the torrent.
func torrentControlVerb(_ name: String, abstract: String, request: TorrentRequest) -> Command {
  Command(
    name, abstract: abstract, parameters: [.db, .argument("id", help: "The torrent's id.")],
    run: { invocation throws(Failure) in
      let id = try invocation.number("id")
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      try requireTorrent(opened, id)
      notifyTorrentServer(of: opened, id: id, request)
    })
}

extension Slugctl.Torrent {
  enum Quit {
    static let request = TorrentRequest.quit
    static let command = torrentControlVerb(
      "quit", abstract: "Stop a running torrent's client cleanly (it is marked done).", request: request)
  }

  enum Update {
    static let request = TorrentRequest.update
    static let command = torrentControlVerb(
      "update", abstract: "Ask a running torrent's tracker for more peers.", request: request)
  }

  enum Restart {
    static let request = TorrentRequest.restart
    static let command = torrentControlVerb(
      "restart", abstract: "Restart a running torrent's tracker session (new peers).", request: request)
  }

  enum Limit {
    static let command = Command(
      "limit",
      abstract: "Set a torrent's bandwidth bounds (KB/s; an absent bound is removed); the running torrents share the line again at once.",
      parameters: [
        .db,
        .argument("id", help: "The torrent's id."),
        .option("min-down", value: "KB/s", help: "Download rate it always gets."),
        .option("max-down", value: "KB/s", help: "Download rate it never exceeds."),
        .option("min-up", value: "KB/s", help: "Upload rate it always gets."),
        .option("max-up", value: "KB/s", help: "Upload rate it never exceeds."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let id = try invocation.number("id")
      let minDown = try invocation.integer("min-down")
      let maxDown = try invocation.integer("max-down")
      let minUp = try invocation.integer("min-up")
      let maxUp = try invocation.integer("max-up")
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      func bytes(_ kilobytes: Int64?) -> Int64? { kilobytes.map { $0 > Int64.max / 1024 ? Int64.max : $0 * 1024 } }
      try attempt { () throws(StoreError) in
        try opened.setTorrentRates(
          id: id, minDownload: bytes(minDown), maxDownload: bytes(maxDown), minUpload: bytes(minUp),
          maxUpload: bytes(maxUp))
      }
      notifyTorrentServer(of: opened, id: id, .rebalance)
    }
  }

  enum Move {
    static let command = Command(
      "move",
      abstract: "Move a torrent in the queue, which starts queued torrents front first; prints its place now.",
      parameters: [
        .db,
        .argument("id", help: "The torrent's id."),
        .argument("place", help: "first, last, up, down, or a place (1 is the front)."),
      ],
      run: { invocation throws(Failure) in
        let id = try invocation.number("id")
        let place = invocation["place"]
        guard let target = parse(place) else {
          throw Failure.usage("place '\(place)' is not first, last, up, down or a number from 1")
        }
        let moved = try attempt { () throws(StoreError) in try invocation.openStore().moveTorrent(id: id, to: target) }
        Console.current.print("\(moved)")
      })

    static func parse(_ text: String) -> Store.QueuePlace? {
      switch text {
      case "first", "top": return .first
      case "last", "bottom": return .last
      case "up": return .up
      case "down": return .down
      default: return Int(text).flatMap { $0 >= 1 ? .at($0) : nil }
      }
    }
  }
}
