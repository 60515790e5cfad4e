import CLibc

/// The torrent web page, a CGI/1.1 program run by in.www (`torrents.cgi`, a link to in.ctcs or
/// a script running `in.ctcs --cgi --db PATH`). GET lists the queue with progress, rates, peers
/// and the last message, and refreshes itself; `?torrent=ID` shows one torrent in detail (its
/// files, peers and ctorrent's options: TorrentDetailPage.swift). POST carries one form: a
/// control (pause, resume, update, restart, quit, limit), a move in the queue (up, down), a
/// removal (rm, confirmed on a second page unless its box was ticked), an add (a .torrent
/// upload or a URL) or the sharing settings (the line's limits, how many torrents at once).
/// Every form carries a token bound to its action and torrent (`FormToken`); a POST without
/// the right one is refused with 403. Everything from the store or the client is HTML-escaped.
struct TorrentPage {
  let storePath: String
  let log: Log
  /// The largest request body read: a .torrent file is rarely over a megabyte.
  static let maximumBodyBytes = 4 << 20
  static let refreshSeconds = 10
  /// The controls a torrent's row and its detail page offer, each passed on to its in.ctcs.
  static let controls: [TorrentRequest] = [.pause, .resume, .update, .restart, .quit]

  struct Response {
    var status: String
    var headers: [String] = []
    var body: String
  }

  func respond() {
    let response: Response
    do throws(StoreError) {
      let store = try Store(writingTo: storePath)
      let forms = FormToken(secret: try TorrentPage.secret(of: store))
      let method = TorrentPage.environment("REQUEST_METHOD") ?? "GET"
      if method == "POST" {
        response = post(store: store, forms: forms)
      } else if method == "GET" || method == "HEAD" {
        response = try get(store: store, forms: forms)
      } else {
        response = Response(status: "405 Method Not Allowed", headers: ["Allow: GET, HEAD, POST"], body: "")
      }
    } catch {
      log.error("torrent page: \(error)")
      response = Response(status: "503 Service Unavailable", body: TorrentPage.errorPage("The torrent store cannot be used: \(error)"))
    }
    var text = "Status: \(response.status)\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
    text += "X-Frame-Options: DENY\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; form-action 'self'\r\n"
    for header in response.headers { text += header + "\r\n" }
    text += "\r\n"
    if TorrentPage.environment("REQUEST_METHOD") != "HEAD" { text += response.body }
    TorrentPage.writeAll(Array(text.utf8))
  }

  // MARK: - CGI plumbing

  /// The signing secret, made from /dev/urandom the first time; the first writer's wins.
  static func secret(of store: Store) throws(StoreError) -> String {
    if let secret = try store.setting(SettingKey.torrentWebSecret), !secret.isEmpty { return secret }
    guard let random = try? readRandom(32) else { throw .io("cannot read /dev/urandom for the page's secret") }
    return try store.transaction { () throws(StoreError) -> String in
      if let secret = try store.setting(SettingKey.torrentWebSecret), !secret.isEmpty { return secret }
      let secret = Hex.lowercase(random)
      try store.setSetting(SettingKey.torrentWebSecret, secret)
      return secret
    }
  }

  static func readRandom(_ count: Int) throws(FileError) -> [UInt8] {
    let fd = slug_open("/dev/urandom", O_RDONLY | O_CLOEXEC, 0)
    guard fd >= 0 else { throw FileError(path: "/dev/urandom", code: slug_errno()) }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: count)
    let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
    guard got == count else { throw FileError(path: "/dev/urandom", code: EIO) }
    return bytes
  }

  static func query() -> WebForm { WebForm.urlEncoded(Array((environment("QUERY_STRING") ?? "").utf8)) }

  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// CONTENT_LENGTH bytes of stdin; nil when over the limit.
  static func readBody() -> [UInt8]? {
    let length = Int(environment("CONTENT_LENGTH") ?? "") ?? 0
    guard length <= maximumBodyBytes else { return nil }
    var body = [UInt8](repeating: 0, count: max(length, 0))
    var filled = 0
    while filled < body.count {
      let count = body.withUnsafeMutableBytes { read(0, $0.baseAddress! + filled, $0.count - filled) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { break }
      filled += count
    }
    return Array(body[..<filled])
  }

  static func writeAll(_ bytes: [UInt8]) {
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { write(1, $0.baseAddress! + written, $0.count - written) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { return }
      written += count
    }
  }
}

/// The page as a program: no socket (stdin is the request body), and its log goes to the web
/// server's error log.
extension TorrentPage: DaemonProgram {
  static let standardInput: [StandardInput] = []
  static let inetdLine = "none: a CGI program of in.www"
  static var logDestination: Log.Destination { .standardError }

  static func load(_ options: PageOptions, log: Log) throws(StartupError) {}

  static func describe(_ options: PageOptions, _ configuration: Void) -> String {
    """
    store \(options.storePath)
    maximum-body \(maximumBodyBytes)
    refresh \(refreshSeconds)
    """
  }

  static func serve(_ options: PageOptions, _ configuration: Void, on input: StandardInput?, log: Log) -> Int32 {
    TorrentPage(storePath: options.storePath, log: log).respond()
    return 0
  }
}
