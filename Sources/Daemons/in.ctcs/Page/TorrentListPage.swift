/// The list of torrents (GET without `?torrent=`) and the pieces every page is made of.
extension TorrentPage {
  func render(store: Store, forms: FormToken, notice: String?) throws(StoreError) -> String {
    let script = HTML.escape(request.script)
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
    for control in TorrentPage.controls {
      let action = control.words
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

  func errorPage(_ message: String) -> String {
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Torrents</title></head><body>\n"
      + "<p id=\"error\">\(HTML.escape(message))</p>\n"
      + "<p><a href=\"\(HTML.escape(request.script))\">Back to the torrents</a></p>\n</body></html>\n"
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
}
