import CTCS
import Store
import TestSupport

/// The store as the tests keep it: the queue, the line's limits, and what CTORRENT is answered.
struct QueueBackend: CTCSBackend {
  var queue: [Torrent] = []
  var line = CTCSLineLimits(download: 0, upload: 0)
  var identification = CTCSIdentification.torrent(id: 7, paused: false, thresholds: .standard)
  /// What identify was asked: the file, and the status it was to record.
  var identified: [(file: String, status: TorrentStatus)] = []

  mutating func identify(file: String, status: TorrentStatus) -> CTCSIdentification {
    identified.append((file, status))
    return identification
  }

  func torrents() -> [Torrent]? { queue }
  func lineLimits() -> CTCSLineLimits { line }
}

extension CTCSTime {
  /// SECONDS into a test: the monotonic clock well past its zero, as a machine's uptime is.
  static func at(_ seconds: Double) -> CTCSTime {
    CTCSTime(monotonic: UInt64((1000 + seconds) * 1e9), unix: 1_700_000_000 + Int64(seconds))
  }
}

/// An action as text that pins what goes out byte for byte: a line for ctorrent as sent (CRLF
/// and all), a mesh message's bytes; records and logs in short.
func describe(_ action: CTCSAction) -> String {
  switch action {
  case .send(let command):
    return command.line
  case .recordStatus(let id, let status, let state):
    return "record status \(id) \(state?.rawValue ?? "same state") \(status.piecesHave)/\(status.piecesTotal) pieces "
      + "\(status.downloadRate),\(status.uploadRate) B/s"
  case .recordBandwidth(let id, let status):
    return "record rates \(id) \(status.downloadRate),\(status.uploadRate) B/s limits \(status.downloadLimit),\(status.uploadLimit)"
  case .recordMessage(let id, let text):
    return "record message \(id): \(text)"
  case .recordFiles(let id, let list):
    return "record files \(id): \(list.totalBytes) bytes in \(list.pieceLength), \(list.files.map { $0.name })"
  case .recordPeers(let id, let peers):
    return "record peers \(id): \(peers.map { $0.address })"
  case .recordOptions(let id, let options):
    return "record options \(id): \(options.map { "\($0.name)=\($0.value)" })"
  case .recordState(let id, let state):
    return "record state \(id) \(state.rawValue)"
  case .joinMesh:
    return "join mesh"
  case .broadcast(let message):
    return "mesh " + String(decoding: message.bytes, as: UTF8.self)
  case .log(let line):
    return "log \(line.level): \(line.message)"
  case .close(let end):
    return "close \(end)"
  case .release(let id, let state):
    return "release \(id) \(state?.rawValue ?? "to the queue runner")"
  case .startQueueRunner:
    return "run the queue"
  }
}

/// A session fed as the daemon feeds it, its actions described; the time stands still unless
/// a test moves it.
struct SessionDriver: StreamDecoder {
  var session: CTCSSession<QueueBackend>
  var now = CTCSTime.at(0)

  init(password: String? = nil, backend: QueueBackend = QueueBackend(), statusSeconds: Int = 10) {
    session = CTCSSession(
      configuration: CTCSSessionConfiguration(password: password, idleSeconds: 300, statusSeconds: statusSeconds, peer: "127.0.0.1:5000"),
      backend: backend, now: .at(0))
  }

  mutating func feed(_ bytes: ArraySlice<UInt8>) -> [String] {
    session.feed(bytes, now: now).map(describe)
  }

  mutating func feed(_ text: String) -> [String] { feed(Array(text.utf8)[...]) }

  mutating func mesh(_ message: CTCSMeshMessage) -> [String] {
    session.meshMessage(message.bytes, now: now).map(describe)
  }

  mutating func tick(at seconds: Double) -> [String] {
    now = .at(seconds)
    return session.tick(now: now).map(describe)
  }
}

/// The handshake of a queued torrent, 7, started with password "s3cret".
let handshake = "PROTOCOL 0003\r\nAUTH s3cret\nCTORRENT -CD0302-ABC 1700000000 1700000042 /srv/torrents/7.torrent\n"
let handshakeActions = [
  "log info: 127.0.0.1:5000: torrent 7 (/srv/torrents/7.torrent)", "join mesh", "SENDDETAIL\r\n", "SENDPEERS\r\n",
  "SENDCONF\r\n",
]
/// A report of torrent 7: 10 of 100 pieces, 30000 B/s down, 1000 up, limits 64 and 32 KiB/s.
let statusLine = "CTSTATUS 1:5/2:9/0 10/100/100 30000,1000 1234567,2345 65536,32768 512\n"

/// A torrent in the queue as the store has it.
func queued(_ id: Int64, _ state: TorrentState, downloadRate: Int64 = 0, lastSeen: Int64 = 1_700_000_000) -> Torrent {
  var torrent = Torrent(id: id, name: "t\(id)", metainfo: [], state: state, position: id, added: 1)
  torrent.status.downloadRate = downloadRate
  torrent.status.lastSeen = lastSeen
  return torrent
}
