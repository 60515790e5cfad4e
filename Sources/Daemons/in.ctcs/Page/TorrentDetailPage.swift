/// The web page's view of one torrent (`?torrent=ID`) and its removal (POST action `rm`).
extension TorrentPage {
  /// GET: the list, or one torrent's detail when the query names it.
  func get(store: Store, forms: FormToken) throws(StoreError) -> Response {
    guard let text = query.text("torrent") else {
      return Response(status: "200 OK", body: try render(store: store, forms: forms, notice: notice()))
    }
    guard let id = Int64(text), let detail = try store.torrentDetail(id: id) else {
      return Response(status: "404 Not Found", body: errorPage("There is no such torrent (it may have been removed)."))
    }
    return Response(status: "200 OK", body: render(detail, forms: forms, notice: notice()))
  }

  /// What ctorrent last reported (files and peers come every few status reports, the options
  /// when they change), the controls, a form for all four rate bounds, and the remove form.
  func render(_ detail: TorrentDetail, forms: FormToken, notice: String?) -> String {
    let torrent = detail.torrent
    let status = torrent.status
    let id = torrent.id
    let script = HTML.escape(request.script)
    var html = TorrentPage.head(title: "Torrent \(id)", refresh: "\(script)?torrent=\(id)", notice: notice)
    html += "<p><a href=\"\(script)\">All torrents</a></p>\n"
    html += "<table id=\"summary\">\n"
    func line(_ label: String, _ key: String, _ value: String) {
      html += "<tr><th>\(label)</th><td id=\"\(key)\">\(value)</td></tr>\n"
    }
    line("Name", "name", HTML.escape(torrent.name))
    line("State", "state", torrent.state.rawValue)
    line(
      "Progress", "progress",
      "\(TorrentPage.percent(status.piecesHave, of: status.piecesTotal)) (\(status.piecesHave) of \(status.piecesTotal) pieces, "
        + "\(status.piecesAvailable) available from peers)")
    line(
      "Size", "size",
      detail.totalBytes > 0
        ? "\(TorrentPage.size(detail.totalBytes)) in pieces of \(TorrentPage.size(detail.pieceLength))" : "not reported yet")
    line("Seeding since", "seeding", detail.seedingSince > 0 ? HTTPDate.format(detail.seedingSince) : "-")
    line("Down", "down", "\(TorrentPage.rate(status.downloadRate, limit: status.downloadLimit)), \(TorrentPage.size(status.downloaded)) so far")
    line("Up", "up", "\(TorrentPage.rate(status.uploadRate, limit: status.uploadLimit)), \(TorrentPage.size(status.uploaded)) so far")
    line(
      "Peers", "peers",
      "\(status.seeders) seeders (tracker \(status.trackerSeeders)), \(status.leechers) leechers (tracker \(status.trackerLeechers)), "
        + "\(status.connecting) connecting")
    line("Client", "client", "\(HTML.escape(status.peerID)), cache \(status.cacheUsedKB) KB")
    line("Added", "added", HTTPDate.format(torrent.added))
    line("Last report", "seen", status.lastSeen > 0 ? HTTPDate.format(status.lastSeen) : "never")
    line("Last message", "message", HTML.escape(status.lastMessage))
    html += "</table>\n"

    html += TorrentPage.section(
      "Files", table: "files", header: ["#", "Name", "Size", "Progress", "Priority"],
      none: ("no-files", "ctorrent has not listed the files yet."),
      rows: detail.files.map { file in
        "<td>\(file.number)</td><td class=\"name\">\(HTML.escape(file.name))</td>"
          + "<td class=\"number\">\(TorrentPage.size(file.size))</td>"
          + "<td><progress value=\"\(file.piecesHave)\" max=\"\(max(file.pieces, 1))\"></progress> "
          + "\(TorrentPage.percent(file.piecesHave, of: file.pieces)) (\(file.piecesHave)/\(file.pieces))</td>"
          + "<td>\(file.priority == 0 ? "-" : "\(file.priority)")</td>"
      })
    html += TorrentPage.section(
      "Peers", table: "peer-list",
      header: ["Address", "Client", "<span title=\"\(TorrentPage.flagsHelp)\">Flags</span>", "Down", "Up", "Downloaded", "Uploaded", "Pieces"],
      none: ("no-peers", "No peers connected."),
      rows: detail.peers.map { peer in
        "<td class=\"address\">\(HTML.escape(peer.address))</td><td>\(HTML.escape(peer.peerID))</td>"
          + "<td title=\"\(TorrentPage.flagsHelp)\"><code>\(HTML.escape(peer.flags))</code></td>"
          + "<td class=\"number\">\(TorrentPage.rate(peer.downloadRate))</td><td class=\"number\">\(TorrentPage.rate(peer.uploadRate))</td>"
          + "<td class=\"number\">\(TorrentPage.size(peer.downloaded))</td><td class=\"number\">\(TorrentPage.size(peer.uploaded))</td>"
          + "<td class=\"number\">\(peer.piecesHave)</td>"
      })
    html += TorrentPage.section(
      "ctorrent's options", table: "options", header: ["Option", "Value", "What it is"],
      none: ("no-options", "ctorrent has not sent its options yet."),
      rows: detail.options.map { option in
        "<td>\(HTML.escape(option.name))</td><td class=\"value\">\(HTML.escape(option.value))</td>"
          + "<td title=\"\(HTML.escape(option.help))\">\(HTML.escape(option.summary))</td>"
      })

    html += "<h2>Controls</h2>\n<div>\(controlForms(torrent, script: script, forms: forms, view: "detail"))</div>\n"
    html += "<div>\(TorrentPage.formStart("limit", id: id, script: script, forms: forms, view: "detail"))"
    for (name, label, value) in [
      ("min_down", "Down at least", torrent.minDownloadRate), ("max_down", "at most", torrent.maxDownloadRate),
      ("min_up", "Up at least", torrent.minUploadRate), ("max_up", "at most", torrent.maxUploadRate),
    ] {
      html += "<label>\(label) <input type=\"number\" min=\"0\" name=\"\(name)\" value=\"\(TorrentPage.kilobytesText(value))\"></label> "
    }
    html += "<button type=\"submit\" name=\"do\" value=\"limit\">set KB/s</button></form></div>\n"
    html += "<div id=\"remove\">\(TorrentPage.formStart("rm", id: id, script: script, forms: forms, view: nil))"
    html += "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\"> yes, remove it</label> "
    html += "<button type=\"submit\" name=\"do\" value=\"rm\">remove from the queue</button></form> "
    html += "(its ctorrent is told to quit; what it downloaded stays)</div>\n</body></html>\n"
    return html
  }

  /// Removes the torrent and tells the in.ctcs serving it to quit its ctorrent, as `slugctl
  /// torrent rm` does; without the confirm box ticked, a second page asks first.
  func remove(_ torrent: Torrent, form: WebForm, forms: FormToken, store: Store) throws(StoreError) -> Response {
    let script = HTML.escape(request.script)
    guard form.text("confirm") == "yes" else {
      var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Remove a torrent</title></head><body>\n"
      html += "<p id=\"question\">Remove torrent \(torrent.id), \(HTML.escape(torrent.name)), from the queue? "
      html += "Its ctorrent is told to quit; what it downloaded stays.</p>\n"
      html += "<div id=\"confirm\">\(TorrentPage.formStart("rm", id: torrent.id, script: script, forms: forms, view: nil))"
      html += "\(TorrentPage.hidden("confirm", "yes"))<button type=\"submit\" name=\"do\" value=\"rm\">Remove it</button></form> "
      html += "<a href=\"\(script)?torrent=\(torrent.id)\">Keep it</a></div>\n</body></html>\n"
      return Response(status: "200 OK", body: html)
    }
    try store.removeTorrent(id: torrent.id)
    tellServers(.request(torrent: torrent.id, .quit), store: store)
    log.notice("\(request.client): torrent page: removed torrent \(torrent.id) (\(torrent.name))")
    return redirect("removed=\(torrent.id)")
  }

  static let flagsHelp =
    "they choke us (C) or not (U); we are interested (i) or not (n); we choke them (C) or not (U); they are interested (i) or not (n)"

  /// "2.0 KB/s of 10.0 KB/s"; ctorrent's limit 0 is none.
  /// A heading, then a table of `rows` (each the cells of one) under `header`, or, when there
  /// are none, a paragraph saying so.
  static func section(
    _ title: String, table: String, header: [String], none: (id: String, text: String), rows: [String]
  ) -> String {
    var html = "<h2>\(title)</h2>\n"
    guard !rows.isEmpty else { return html + "<p id=\"\(none.id)\">\(none.text)</p>\n" }
    html += "<table id=\"\(table)\"><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr>\n"
    for row in rows { html += "<tr>\(row)</tr>\n" }
    return html + "</table>\n"
  }

  static func rate(_ bytesPerSecond: Int64, limit: Int64) -> String {
    rate(bytesPerSecond) + (limit > 0 ? " of \(rate(limit))" : " (no limit)")
  }

  /// 1024-based, one decimal: "2.8 MB".
  static func size(_ bytes: Int64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"]
    var unit = 0
    var whole = max(bytes, 0)
    var tenths: Int64 = 0
    while whole >= 1024 && unit < units.count - 1 {
      tenths = whole % 1024 * 10 / 1024
      whole /= 1024
      unit += 1
    }
    return unit == 0 ? "\(whole) B" : "\(whole).\(tenths) \(units[unit])"
  }
}
