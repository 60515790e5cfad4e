/// What goes over the in.ctcs mesh (PeerMesh, one seqpacket message each, ASCII text): between
/// the in.ctcs processes, and from slugctl and the web page to them.
///
///     rebalance                every process shares the line again from the store
///     rising ID D U            torrent ID's rates are climbing (D, U: 1 or 0), from its in.ctcs
///     ID WORDS                 for the in.ctcs serving torrent ID: a TorrentRequest's words
///
/// The text is the wire format between versions: a running in.ctcs and a newer slugctl must
/// understand each other, so it stays as it is.
public enum CTCSMeshMessage: Equatable, Sendable {
  case rebalance
  case rising(torrent: Int64, download: Bool, upload: Bool)
  case request(torrent: Int64, TorrentRequest)

  public var bytes: [UInt8] {
    switch self {
    case .rebalance: Array("rebalance".utf8)
    case .rising(let id, let download, let upload): Array("rising \(id) \(download ? 1 : 0) \(upload ? 1 : 0)".utf8)
    case .request(let id, let request): Array("\(id) \(request.words)".utf8)
    }
  }

  /// Nil for anything else: a foreign or garbled message is ignored, and a request whose words
  /// are unknown is for `addressee(of:)` to name.
  public init?(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    if text == "rebalance" {
      self = .rebalance
    } else if text.hasPrefix("rising ") {
      let words = text.split(separator: " ")
      guard words.count == 4, let id = Int64(words[1]) else { return nil }
      self = .rising(torrent: id, download: words[2] == "1", upload: words[3] == "1")
    } else {
      guard let (id, words) = CTCSMeshMessage.addressee(of: bytes), let request = TorrentRequest(words: words) else {
        return nil
      }
      self = .request(torrent: id, request)
    }
  }

  /// The torrent and the words of a message shaped `ID WORDS`, whether or not the words are a
  /// request this version knows.
  public static func addressee(of bytes: [UInt8]) -> (torrent: Int64, words: String)? {
    let parts = String(decoding: bytes, as: UTF8.self).split(separator: " ", maxSplits: 1)
    guard parts.count == 2, let id = Int64(parts[0]) else { return nil }
    return (id, String(parts[1]))
  }
}

/// What slugctl and the web page ask of the in.ctcs serving one torrent.
public enum TorrentRequest: Equatable, Sendable {
  case quit
  case update
  case restart
  case status
  /// The CTCONFIG pause option, on or off.
  case pause
  case resume
  /// Bytes/s.
  case downloadLimit(Int64)
  case uploadLimit(Int64)
  /// One of ctorrent's options by name: lower-case letters and `_`; the value one line.
  case config(name: String, value: String)
  /// The torrent's bounds changed: share the line again, and tell the others to.
  case rebalance

  public var words: String {
    switch self {
    case .quit: "quit"
    case .update: "update"
    case .restart: "restart"
    case .status: "status"
    case .pause: "pause"
    case .resume: "resume"
    case .downloadLimit(let limit): "dlimit \(limit)"
    case .uploadLimit(let limit): "ulimit \(limit)"
    case .config(let name, let value): "config \(name) \(value)"
    case .rebalance: "rebalance"
    }
  }

  /// Nil for anything else, including values that would break ctorrent's line.
  public init?(words: String) {
    let parts = words.split(separator: " ", maxSplits: 2).map(String.init)
    switch (parts.first ?? "", parts.count) {
    case ("quit", 1): self = .quit
    case ("update", 1): self = .update
    case ("restart", 1): self = .restart
    case ("status", 1): self = .status
    case ("pause", 1): self = .pause
    case ("resume", 1): self = .resume
    case ("rebalance", 1) where words == "rebalance": self = .rebalance
    case ("dlimit", 2), ("ulimit", 2):
      guard let limit = Int64(parts[1]), limit >= 0 else { return nil }
      self = parts[0] == "dlimit" ? .downloadLimit(limit) : .uploadLimit(limit)
    case ("config", 3):
      let name = parts[1]
      let value = parts[2]
      guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }),
        !value.isEmpty, value == ServerCommand.oneLine(value)
      else { return nil }
      self = .config(name: name, value: value)
    default:
      return nil
    }
  }

  /// The line ctorrent is sent; nil for `rebalance`, which is in.ctcs's own business.
  public var command: ServerCommand? {
    switch self {
    case .quit: .quit
    case .update: .update
    case .restart: .restart
    case .status: .sendStatus
    case .pause: .config(name: "pause", value: "1")
    case .resume: .config(name: "pause", value: "0")
    case .downloadLimit(let limit): .setDownloadLimit(limit)
    case .uploadLimit(let limit): .setUploadLimit(limit)
    case .config(let name, let value): .config(name: name, value: value)
    case .rebalance: nil
    }
  }
}
