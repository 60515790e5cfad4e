#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// A line from ctorrent (Enhanced CTorrent dnh3.x), decoded. Rates and limits are bytes/s,
/// totals bytes, times Unix seconds.
public enum ClientMessage: Equatable, Sendable {
  case protocolVersion(Int)
  case auth(password: String)
  /// `CTORRENT peer-id start now file`: the file is the rest of the line, spaces and all.
  case torrent(peerID: String, started: Int64, now: Int64, file: String)
  case status(ReportedStatus)
  case bandwidth(downloadRate: Int64, uploadRate: Int64, downloadLimit: Int64, uploadLimit: Int64)
  /// `CTINFO [severity] text`: 1 urgent, 2 less important, 3 no problem; clients before dnh2.2
  /// send no severity.
  case info(severity: Int?, text: String)
  case detail(totalBytes: Int64, pieceLength: Int64, now: Int64, seedingSince: Int64)
  case filesStart
  case file(TorrentFile)
  case filesEnd
  case peersStart
  case peer(TorrentPeer)
  case peersEnd
  case configStart
  case config(TorrentOption)
  case configEnd
}

/// `CTSTATUS`. Protocol 1 has no tracker counts, no connecting count and no cache figure: they
/// read as 0.
public struct ReportedStatus: Equatable, Sendable {
  public var seeders: Int64 = 0
  public var trackerSeeders: Int64 = 0
  public var leechers: Int64 = 0
  public var trackerLeechers: Int64 = 0
  public var connecting: Int64 = 0
  public var piecesHave: Int64 = 0
  public var piecesTotal: Int64 = 0
  public var piecesAvailable: Int64 = 0
  public var downloadRate: Int64 = 0
  public var uploadRate: Int64 = 0
  public var downloaded: Int64 = 0
  public var uploaded: Int64 = 0
  public var downloadLimit: Int64 = 0
  public var uploadLimit: Int64 = 0
  public var cacheUsedKB: Int64 = 0

  public init() {}

  /// Every piece is here: the client is seeding.
  public var isComplete: Bool { piecesTotal > 0 && piecesHave >= piecesTotal }
}

/// What is wrong with a line, for the log; the connection goes on.
public struct CTCSParseError: Error, Equatable, Sendable, CustomStringConvertible {
  public var line: String
  public var reason: String

  public init(line: String, reason: String) {
    self.line = line
    self.reason = reason
  }

  public var description: String { "\(reason): \(CTCSParseError.printable(line))" }

  /// The line as it may go to a log: control bytes shown as `?`, cut at 200 characters.
  public static func printable(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
  }
}
