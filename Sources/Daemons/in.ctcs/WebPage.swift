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
func runTorrentPage(_ argv: [String]) -> Never {
  let arguments: Arguments
  do throws(UsageError) {
    arguments = try Arguments(argv, flags: ["cgi"], options: ["db"])
  } catch {
    Runtime.usageError(error, synopsis: "--cgi [--db PATH]")
  }
  slug_ignore_sigpipe()
  let log = Log(program: arguments.program, destination: .standardError)
  let page = TorrentPage(storePath: Store.resolvePath(option: arguments.value("db")), log: log)
  page.respond()
  exit(0)
}

struct TorrentPage {
  let storePath: String
  let log: Log
  /// The largest request body read: a .torrent file is rarely over a megabyte.
  static let maximumBodyBytes = 4 << 20
  static let refreshSeconds = 10
  static let controls = ["pause", "resume", "update", "restart", "quit"]

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

  // MARK: - POST

  func post(store: Store, forms: FormToken) -> Response {
    guard let body = TorrentPage.readBody() else {
      return Response(status: "413 Content Too Large", body: TorrentPage.errorPage("The form is too large."))
    }
    guard let form = WebForm.parse(body, contentType: TorrentPage.environment("CONTENT_TYPE") ?? "") else {
      return Response(status: "400 Bad Request", body: TorrentPage.errorPage("The form could not be read."))
    }
    let action = form.text("action") ?? ""
    let id = action == "add" || action == "settings" ? 0 : Int64(form.text("id") ?? "") ?? -1
    guard id >= 0, forms.accepts(form.text("token") ?? "", action: action, torrent: id) else {
      log.warning("torrent page: refused a \(action) form without a valid token from \(TorrentPage.environment("REMOTE_ADDR") ?? "?")")
      return Response(status: "403 Forbidden", body: TorrentPage.errorPage("The form's token is missing or wrong: reload the page and try again."))
    }
    do throws(StoreError) {
      if action == "add" { return try add(form, store: store) }
      if action == "settings" { return try saveSettings(form, store: store) }
      guard let torrent = try store.torrent(id: id) else { throw .notFound("no torrent \(id)") }
      if action == "rm" { return try remove(torrent, form: form, forms: forms, store: store) }
      if action == "up" || action == "down" {
        // The queue's order only: nothing to tell a client.
        let place = try store.moveTorrent(id: id, to: action == "up" ? .up : .down)
        log.info("torrent page: torrent \(id) moved \(action) to place \(place)")
        return redirect("moved=\(id)&place=\(place)")
      }
      switch action {
      case "pause":
        try store.setTorrentState(id: id, .paused)
      case "resume":
        // Running again when its ctorrent lives (never a second one), else queued.
        try store.resumeTorrent(id: id, startTime: ProcessTable.startTime)
      case "limit":
        // The list's form has the maximums only: a minimum it does not carry stays.
        guard let down = TorrentPage.kilobytes(form.text("max_down")), let up = TorrentPage.kilobytes(form.text("max_up")),
          let minimumDown = TorrentPage.kilobytes(form, "min_down", keeping: torrent.minDownloadRate),
          let minimumUp = TorrentPage.kilobytes(form, "min_up", keeping: torrent.minUploadRate)
        else {
          return Response(status: "400 Bad Request", body: TorrentPage.errorPage("A limit must be a whole number of KB/s, or empty for none."))
        }
        try store.setTorrentRates(id: id, minDownload: minimumDown, maxDownload: down, minUpload: minimumUp, maxUpload: up)
      default:
        guard TorrentPage.controls.contains(action) else {
          return Response(status: "400 Bad Request", body: TorrentPage.errorPage("Unknown action."))
        }
      }
      let words = action == "limit" ? "rebalance" : action
      tellServers("\(id) \(words)")
      log.info("torrent page: \(words) for torrent \(id)")
      if action == "resume" { try QueueRunner(store: store, log: log).run() }
      return redirect("sent=\(action)&id=\(id)" + (form.text("view") == "detail" ? "&torrent=\(id)" : ""))
    } catch {
      return Response(status: "\(TorrentPage.httpStatus(of: error))", body: TorrentPage.errorPage("\(error)"))
    }
  }

  func add(_ form: WebForm, store: Store) throws(StoreError) -> Response {
    var metainfo: [UInt8] = []
    var source = ""
    if let file = form.field("file"), !file.value.isEmpty {
      metainfo = file.value
      source = file.fileName ?? "the upload"
    } else if let url = form.text("url")?.trimmingSpaces, !url.isEmpty {
      switch TorrentFetch.fetch(url) {
      case .success(let bytes): metainfo = bytes
      case .failure(let problem):
        return Response(status: "502 Bad Gateway", body: TorrentPage.errorPage("Could not fetch \(url): \(problem.message)"))
      }
      source = url
    } else {
      return Response(status: "400 Bad Request", body: TorrentPage.errorPage("Choose a .torrent file or give its URL."))
    }
    let name: String
    do throws(Bencode.DecodeError) {
      name = try TorrentMetainfo.name(of: metainfo)
    } catch {
      return Response(status: "400 Bad Request", body: TorrentPage.errorPage("\(source) is not a torrent file (\(error))."))
    }
    let torrent = try store.addTorrent(name: name, metainfo: metainfo, now: Int64(time(nil)))
    log.notice("torrent page: queued torrent \(torrent.id) (\(name)) from \(source)")
    try QueueRunner(store: store, log: log).run()
    return redirect("added=\(torrent.id)")
  }

  /// The settings the page may change: numbers only (the program, its options and the
  /// directories stay with slugctl, so a browser can never choose what is run): form field,
  /// key, and the unit said in an error.
  static let pageSettings: [(field: String, key: String, unit: String)] = [
    ("download_limit", SettingKey.torrentDownloadLimit, "KB/s"), ("upload_limit", SettingKey.torrentUploadLimit, "KB/s"),
    ("max_active", SettingKey.torrentMaxActive, "torrents"),
  ]

  /// Sets each of pageSettings in one transaction (empty: back to its default), then tells
  /// every in.ctcs to share the line again and runs the queue (more torrents may run now).
  func saveSettings(_ form: WebForm, store: Store) throws(StoreError) -> Response {
    var values: [(key: String, value: String?)] = []
    for setting in TorrentPage.pageSettings {
      let text = (form.text(setting.field) ?? "").trimmingSpaces
      guard text.isEmpty || Int64(text).map({ $0 >= 0 && $0 <= 1_000_000_000 }) == true else {
        return Response(
          status: "400 Bad Request",
          body: TorrentPage.errorPage("\(setting.key) must be a whole number of \(setting.unit), or empty for its default."))
      }
      values.append((setting.key, text.isEmpty ? nil : text))
    }
    try store.transaction { () throws(StoreError) in
      for (key, value) in values { try store.setSetting(key, value) }
    }
    tellServers("rebalance")
    log.notice("torrent page: sharing settings saved")
    try QueueRunner(store: store, log: log).run()
    return redirect("saved=settings")
  }

  /// Sends MESSAGE to every in.ctcs of the store's mesh (`ID words` is for the one serving
  /// torrent ID; `rebalance`, for all).
  func tellServers(_ message: String) {
    PeerMesh.notifyAll(prefix: PeerMesh.prefix(forStorePath: storePath, service: "ctcs"), message: Array(message.utf8))
  }

  /// 303 to the page itself (a reload does not post again), with what happened in the query.
  func redirect(_ query: String) -> Response {
    let location = TorrentPage.environment("SCRIPT_NAME") ?? ""
    return Response(status: "303 See Other", headers: ["Location: \(location)?\(query)"], body: "")
  }

  /// The notice for `?added=ID`, `?removed=ID`, `?moved=ID&place=N`, `?saved=settings` or
  /// `?sent=ACTION&id=ID`, in words of our own (nothing from the query is shown but numbers and
  /// known action names).
  func notice() -> String? {
    let query = TorrentPage.query()
    if query.text("saved") == "settings" { return "The sharing settings were saved." }
    if let added = query.text("added").flatMap({ Int64($0) }) { return "Torrent \(added) was queued." }
    if let removed = query.text("removed").flatMap({ Int64($0) }) { return "Torrent \(removed) was removed." }
    if let moved = query.text("moved").flatMap({ Int64($0) }), let place = query.text("place").flatMap({ Int($0) }) {
      return "Torrent \(moved) is now number \(place) in the queue."
    }
    if let sent = query.text("sent"), sent == "limit" || TorrentPage.controls.contains(sent),
      let id = query.text("id").flatMap({ Int64($0) })
    {
      return sent == "limit" ? "Torrent \(id)'s limits were changed." : "Sent \(sent) to torrent \(id)."
    }
    return nil
  }

  // MARK: - The page

  func render(store: Store, forms: FormToken, notice: String?) throws(StoreError) -> String {
    let script = HTML.escape(TorrentPage.environment("SCRIPT_NAME") ?? "")
    var html = TorrentPage.head(title: "Torrents", refresh: script, notice: notice)
    let torrents = try store.torrents()
    if torrents.isEmpty {
      html += "<p id=\"empty\">The queue is empty.</p>\n"
    } else {
      html += "<table id=\"torrents\"><tr><th>ID</th><th>Name</th><th>State</th><th>Progress</th><th>Down</th><th>Up</th>"
      html += "<th>Peers</th><th>Last message</th><th>Controls</th></tr>\n"
      for (index, torrent) in torrents.enumerated() {
        html += row(torrent, script: script, forms: forms, first: index == 0, last: index == torrents.count - 1)
      }
      html += "</table>\n"
    }
    html += try settingsForm(store: store, script: script, forms: forms)
    html += """
      <h2>Add a torrent</h2>
      <form id="add" method="post" action="\(script)" enctype="multipart/form-data">
      \(TorrentPage.hidden("action", "add"))\(TorrentPage.hidden("token", forms.token(action: "add", torrent: 0)))
      <label>File <input type="file" name="file" accept=".torrent,application/x-bittorrent"></label>
      <label>or URL <input type="url" name="url" size="40"></label>
      <button type="submit">Add</button>
      </form>
      </body></html>

      """
    return html
  }

  /// The line's limits and how many torrents run at once, as stored (empty: the default, shown
  /// as the placeholder).
  func settingsForm(store: Store, script: String, forms: FormToken) throws(StoreError) -> String {
    var html = "<h2>Sharing</h2>\n<form id=\"settings\" method=\"post\" action=\"\(script)\">"
    html += TorrentPage.hidden("action", "settings") + TorrentPage.hidden("token", forms.token(action: "settings", torrent: 0))
    let labels = ["Download line, KB/s", "Upload line, KB/s", "Torrents at once"]
    for (setting, label) in zip(TorrentPage.pageSettings, labels) {
      let stored = try store.setting(setting.key) ?? ""
      let fallback = SettingKey.torrentDefaults.first { $0.key == setting.key }?.value ?? ""
      html += "\n<label>\(label) <input type=\"number\" min=\"0\" name=\"\(setting.field)\" value=\"\(HTML.escape(stored))\" "
      html += "placeholder=\"\(HTML.escape(fallback))\"></label>"
    }
    html += "\n<button type=\"submit\">Save</button> <small>A line of 0 or empty is unlimited; in.ctcs's DL and UL "
    html += "arguments, where inetd.conf gives them, come first.</small></form>\n"
    return html
  }

  /// One torrent's row; FIRST and LAST (in the queue) leave out the move it cannot make.
  func row(_ torrent: Torrent, script: String, forms: FormToken, first: Bool, last: Bool) -> String {
    let status = torrent.status
    let id = torrent.id
    var html = "<tr id=\"torrent-\(id)\"><td>\(id)</td>"
    html += "<td class=\"name\"><a href=\"\(script)?torrent=\(id)\">\(HTML.escape(torrent.name))</a></td>"
    html += "<td class=\"state\">\(torrent.state.rawValue)</td>"
    html += "<td class=\"progress\"><progress value=\"\(status.piecesHave)\" max=\"\(max(status.piecesTotal, 1))\"></progress> "
    html += "\(TorrentPage.percent(status.piecesHave, of: status.piecesTotal))</td>"
    html += "<td>\(TorrentPage.rate(status.downloadRate))</td><td>\(TorrentPage.rate(status.uploadRate))</td>"
    html += "<td>\(status.seeders) seeders, \(status.leechers) leechers</td>"
    html += "<td class=\"message\">\(HTML.escape(status.lastMessage))</td><td>"
    for (action, shown) in [("up", !first), ("down", !last)] where shown {
      html += TorrentPage.formStart(action, id: id, script: script, forms: forms, view: nil)
      html += "<button type=\"submit\" name=\"do\" value=\"\(action)\" title=\"move \(action) the queue\">\(action)</button></form> "
    }
    html += controlForms(torrent, script: script, forms: forms, view: nil)
    html += TorrentPage.formStart("limit", id: id, script: script, forms: forms, view: nil)
    html += "<input type=\"number\" min=\"0\" name=\"max_down\" title=\"KB/s down\" value=\"\(TorrentPage.kilobytesText(torrent.maxDownloadRate))\">"
    html += "<input type=\"number\" min=\"0\" name=\"max_up\" title=\"KB/s up\" value=\"\(TorrentPage.kilobytesText(torrent.maxUploadRate))\">"
    html += "<button type=\"submit\" name=\"do\" value=\"limit\">limit KB/s</button></form></td></tr>\n"
    return html
  }

  /// The pause ... quit buttons; VIEW ("detail") brings the browser back to the detail page.
  func controlForms(_ torrent: Torrent, script: String, forms: FormToken, view: String?) -> String {
    var html = ""
    for action in TorrentPage.controls {
      html += TorrentPage.formStart(action, id: torrent.id, script: script, forms: forms, view: view)
      html += "<button type=\"submit\" name=\"do\" value=\"\(action)\">\(action)</button></form> "
    }
    return html
  }

  /// A POST form's start with its action, torrent and token (in this order: the tests find
  /// tokens by it).
  static func formStart(_ action: String, id: Int64, script: String, forms: FormToken, view: String?) -> String {
    var html = "<form method=\"post\" action=\"\(script)\">\(hidden("action", action))\(hidden("id", "\(id)"))"
    html += hidden("token", forms.token(action: action, torrent: id))
    if let view { html += hidden("view", view) }
    return html
  }

  /// The document up to the first heading, reloading REFRESH (escaped already) every
  /// refreshSeconds, with the notice if any.
  static func head(title: String, refresh: String, notice: String?) -> String {
    var html = """
      <!DOCTYPE html>
      <html lang="en"><head><meta charset="utf-8">
      <meta http-equiv="refresh" content="\(refreshSeconds); url=\(refresh)">
      <title>\(HTML.escape(title))</title>
      <style>
      body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1em}
      td,th{border-bottom:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}
      form{display:inline}.notice{background:#efe;padding:.5em}.message{font-size:small;color:#555}
      input[type=number]{width:5em}.number{text-align:right}
      </style></head><body>
      <h1>\(HTML.escape(title))</h1>

      """
    if let notice { html += "<p class=\"notice\" id=\"notice\">\(HTML.escape(notice))</p>\n" }
    return html
  }

  static func hidden(_ name: String, _ value: String) -> String {
    "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape(value))\">"
  }

  static func errorPage(_ message: String) -> String {
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Torrents</title></head><body>\n"
      + "<p id=\"error\">\(HTML.escape(message))</p>\n<p><a href=\"\(HTML.escape(environment("SCRIPT_NAME") ?? ""))\">Back to the torrents</a></p>\n</body></html>\n"
  }

  static func percent(_ have: Int64, of total: Int64) -> String {
    guard total > 0 else { return "-" }
    let tenths = min(have, total) * 1000 / total
    return "\(tenths / 10).\(tenths % 10)%"
  }

  static func rate(_ bytesPerSecond: Int64) -> String {
    let tenths = max(bytesPerSecond, 0) * 10 / 1024
    return "\(tenths / 10).\(tenths % 10) KB/s"
  }

  static func kilobytesText(_ bytesPerSecond: Int64?) -> String { bytesPerSecond.map { "\($0 / 1024)" } ?? "" }

  /// Field NAME as kilobytes() does, or CURRENT when the form has no such field.
  static func kilobytes(_ form: WebForm, _ name: String, keeping current: Int64?) -> Int64?? {
    form.field(name) == nil ? .some(current) : kilobytes(form.text(name))
  }

  /// Empty is no limit (.some(nil)); a non-number is nil.
  static func kilobytes(_ text: String?) -> Int64?? {
    let trimmed = (text ?? "").trimmingSpaces
    if trimmed.isEmpty { return .some(nil) }
    guard let value = Int64(trimmed), value >= 0, value <= Int64.max / 1024 else { return nil }
    return .some(value * 1024)
  }

  static func httpStatus(of error: StoreError) -> String {
    switch error {
    case .notFound: "404 Not Found"
    case .duplicate: "409 Conflict"
    case .invalid: "400 Bad Request"
    default: "503 Service Unavailable"
    }
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
