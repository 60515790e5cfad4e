/// What the server tells ctorrent. Lines end in CRLF as the CTCS spec says; ctorrent ends a
/// line at either byte and skips the empty one between.
public enum ServerCommand: Equatable, Sendable {
  case protocolVersion(Int)
  case setDownloadLimit(Int64)
  case setUploadLimit(Int64)
  case sendStatus
  case sendDetail
  case sendPeers
  case sendConfig
  /// One option by name (protocol 3). The positional form of protocol 1-2 crashes dnh3.3.2 and
  /// is never sent.
  case config(name: String, value: String)
  case quit
  case update
  case restart
  case error(String)

  public var line: String {
    switch self {
    case .protocolVersion(let version):
      let digits = String(min(max(version, 0), 9999))
      return "PROTOCOL " + String(repeating: "0", count: 4 - digits.count) + digits + "\r\n"
    case .setDownloadLimit(let limit): return "SETDLIMIT \(max(limit, 0))\r\n"
    case .setUploadLimit(let limit): return "SETULIMIT \(max(limit, 0))\r\n"
    case .sendStatus: return "SENDSTATUS\r\n"
    case .sendDetail: return "SENDDETAIL\r\n"
    case .sendPeers: return "SENDPEERS\r\n"
    case .sendConfig: return "SENDCONF\r\n"
    case .config(let name, let value): return "CTCONFIG \(name) \(value)\r\n"
    case .quit: return "CTQUIT\r\n"
    case .update: return "CTUPDATE\r\n"
    case .restart: return "CTRESTART\r\n"
    case .error(let text): return "ERROR \(ServerCommand.oneLine(text))\r\n"
    }
  }

  /// A command from slugctl or the web page, by its words: `quit`, `update`, `restart`,
  /// `status`, `dlimit N`, `ulimit N`, `config NAME VALUE`, `pause`, `resume` (the CTCONFIG
  /// pause option). Nil for anything else, including values that would break the line.
  public init?(request: String) {
    let words = request.split(separator: " ", maxSplits: 2).map(String.init)
    switch (words.first ?? "", words.count) {
    case ("quit", 1): self = .quit
    case ("update", 1): self = .update
    case ("restart", 1): self = .restart
    case ("status", 1): self = .sendStatus
    case ("pause", 1): self = .config(name: "pause", value: "1")
    case ("resume", 1): self = .config(name: "pause", value: "0")
    case ("dlimit", 2), ("ulimit", 2):
      guard let limit = Int64(words[1]), limit >= 0 else { return nil }
      self = words[0] == "dlimit" ? .setDownloadLimit(limit) : .setUploadLimit(limit)
    case ("config", 3):
      let name = words[1]
      let value = words[2]
      guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }),
        !value.isEmpty, value == ServerCommand.oneLine(value)
      else { return nil }
      self = .config(name: name, value: value)
    default:
      return nil
    }
  }

  private static func oneLine(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
  }
}
