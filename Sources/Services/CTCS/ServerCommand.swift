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

  /// TEXT with its control characters made spaces: one line whatever it holds.
  static func oneLine(_ text: String) -> String {
    String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 }))
  }
}
