import CLibc

/// The torrent web page, rendered by in.ctcs for one HTTP request on its own port (PageServer),
/// whether a browser sent it there or torrents.cgi relayed it from in.www (PageRelay), so only
/// in.ctcs's user opens the store and the mesh. GET lists the queue with progress, rates, peers
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
  let request: PageRequest
  /// The largest request body read: a .torrent file is rarely over a megabyte.
  static let maximumBodyBytes = 4 << 20
  static let refreshSeconds = 10
  /// The controls a torrent's row and its detail page offer, each passed on to its in.ctcs.
  static let controls: [TorrentRequest] = [.pause, .resume, .update, .restart, .quit]
  /// Sent with every answer: nothing cached, never framed, no script, forms only to the page.
  static let headers = [
    "Content-Type: text/html; charset=utf-8", "Cache-Control: no-store", "X-Frame-Options: DENY",
    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  ]

  struct Response {
    var status: String
    var headers: [String] = []
    var body: String
  }

  /// The answer to the request, whatever happens (a store that cannot be used is a 503 page).
  func respond() -> Response {
    do throws(StoreError) {
      let store = try Store(writingTo: storePath)
      let forms = FormToken(secret: try TorrentPage.secret(of: store))
      switch request.method {
      case "POST": return post(store: store, forms: forms)
      case "GET", "HEAD": return try get(store: store, forms: forms)
      default: return Response(status: "405 Method Not Allowed", headers: ["Allow: GET, HEAD, POST"], body: "")
      }
    } catch {
      log.error("\(request.client): torrent page: \(error)")
      return Response(status: "503 Service Unavailable", body: errorPage("The torrent store cannot be used: \(error)"))
    }
  }

  /// The request's query string as fields.
  var query: WebForm { WebForm.urlEncoded(Array(request.query.utf8)) }

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
}

/// One request of the page as in.ctcs received it on its port (PageServer): from a browser,
/// or relayed by torrents.cgi (PageRelay).
struct PageRequest {
  var method: String
  /// The query string, without its '?'.
  var query: String
  var contentType: String
  var body: [UInt8]
  /// The page's own path, where its links and forms point: `/` on in.ctcs's port, the
  /// script's path (`/torrents.cgi`) when torrents.cgi relayed the request.
  var script: String
  /// Who asked, for the log: the peer's address, and the browser's behind a relay.
  var client: String
}
