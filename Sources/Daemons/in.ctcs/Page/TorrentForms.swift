import CLibc

/// The page's forms (POST): a control, a move in the queue, an add, the sharing settings;
/// the removal is TorrentDetailPage.swift's.
extension TorrentPage {
  func post(store: Store, forms: FormToken) -> Response {
    guard let form = WebForm.parse(request.body, contentType: request.contentType) else {
      return Response(status: "400 Bad Request", body: errorPage("The form could not be read."))
    }
    let action = form.text("action") ?? ""
    let id = action == "add" || action == "settings" ? 0 : Int64(form.text("id") ?? "") ?? -1
    guard id >= 0, forms.accepts(form.text("token") ?? "", action: action, torrent: id) else {
      log.warning("\(request.client): torrent page: refused a \(action) form without a valid token")
      return Response(status: "403 Forbidden", body: errorPage("The form's token is missing or wrong: reload the page and try again."))
    }
    do throws(StoreError) {
      if action == "add" { return try add(form, store: store) }
      if action == "settings" { return try saveSettings(form, store: store) }
      guard let torrent = try store.torrent(id: id) else { throw .notFound("no torrent \(id)") }
      if action == "rm" { return try remove(torrent, form: form, forms: forms, store: store) }
      if action == "up" || action == "down" {
        // The queue's order only: nothing to tell a client.
        let place = try store.moveTorrent(id: id, to: action == "up" ? .up : .down)
        log.info("\(request.client): torrent page: torrent \(id) moved \(action) to place \(place)")
        return redirect("moved=\(id)&place=\(place)")
      }
      let command: TorrentRequest
      switch action {
      case "pause":
        try store.setTorrentState(id: id, .paused)
        command = .pause
      case "resume":
        // Running again when its ctorrent lives (never a second one), else queued.
        try store.resumeTorrent(id: id, startTime: ProcessTable.startTime)
        command = .resume
      case "limit":
        // The list's form has the maximums only: a minimum it does not carry stays.
        guard let down = TorrentPage.kilobytes(form.text("max_down")), let up = TorrentPage.kilobytes(form.text("max_up")),
          let minimumDown = TorrentPage.kilobytes(form, "min_down", keeping: torrent.minDownloadRate),
          let minimumUp = TorrentPage.kilobytes(form, "min_up", keeping: torrent.minUploadRate)
        else {
          return Response(status: "400 Bad Request", body: errorPage("A limit must be a whole number of KB/s, or empty for none."))
        }
        try store.setTorrentRates(id: id, minDownload: minimumDown, maxDownload: down, minUpload: minimumUp, maxUpload: up)
        command = .rebalance
      default:
        guard let control = TorrentPage.controls.first(where: { $0.words == action }) else {
          return Response(status: "400 Bad Request", body: errorPage("Unknown action."))
        }
        command = control
      }
      tellServers(.request(torrent: id, command), store: store)
      log.info("\(request.client): torrent page: \(command.words) for torrent \(id)")
      if action == "resume" { try QueueRunner(store: store, log: log).run() }
      return redirect("sent=\(action)&id=\(id)" + (form.text("view") == "detail" ? "&torrent=\(id)" : ""))
    } catch {
      return Response(status: "\(TorrentPage.httpStatus(of: error))", body: errorPage("\(error)"))
    }
  }

  func add(_ form: WebForm, store: Store) throws(StoreError) -> Response {
    var metainfo: [UInt8] = []
    var source = ""
    if let file = form.field("file"), !file.value.isEmpty {
      metainfo = file.value
      source = file.fileName ?? "the upload"
    } else if let url = form.text("url").map({ ASCII.trimmed($0) }), !url.isEmpty {
      switch TorrentFetch.fetch(url) {
      case .success(let bytes): metainfo = bytes
      case .failure(let problem):
        return Response(status: "502 Bad Gateway", body: errorPage("Could not fetch \(url): \(problem.message)"))
      }
      source = url
    } else {
      return Response(status: "400 Bad Request", body: errorPage("Choose a .torrent file or give its URL."))
    }
    let name: String
    do throws(Bencode.DecodeError) {
      name = try TorrentMetainfo.name(of: metainfo)
    } catch {
      return Response(status: "400 Bad Request", body: errorPage("\(source) is not a torrent file (\(error))."))
    }
    let torrent = try store.addTorrent(name: name, metainfo: metainfo, now: Int64(time(nil)))
    log.notice("\(request.client): torrent page: queued torrent \(torrent.id) (\(name)) from \(source)")
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
  /// More KB/s or torrents at once than any line or machine has.
  static let largestSetting: Int64 = 1_000_000_000

  /// Sets each of pageSettings in one transaction (empty: back to its default), then tells
  /// every in.ctcs to share the line again and runs the queue (more torrents may run now).
  func saveSettings(_ form: WebForm, store: Store) throws(StoreError) -> Response {
    var values: [(key: String, value: String?)] = []
    for setting in TorrentPage.pageSettings {
      let text = ASCII.trimmed(form.text(setting.field) ?? "")
      guard text.isEmpty || Int64(text).map({ $0 >= 0 && $0 <= TorrentPage.largestSetting }) == true else {
        return Response(
          status: "400 Bad Request",
          body: errorPage("\(setting.key) must be a whole number of \(setting.unit), or empty for its default."))
      }
      values.append((setting.key, text.isEmpty ? nil : text))
    }
    try store.transaction { () throws(StoreError) in
      for (key, value) in values { try store.setSetting(key, value) }
    }
    tellServers(.rebalance, store: store)
    log.notice("\(request.client): torrent page: sharing settings saved")
    try QueueRunner(store: store, log: log).run()
    return redirect("saved=settings")
  }

  /// Sends MESSAGE to every in.ctcs of the store's mesh (a request is for the one serving its
  /// torrent), proving the store's mesh key; without the key, no one (logged).
  func tellServers(_ message: CTCSMeshMessage, store: Store) {
    do throws(StoreError) {
      PeerMesh.notifyAll(
        prefix: PeerMesh.prefix(forStorePath: storePath, service: "ctcs"), message: message.bytes,
        key: try ControlServer.meshKey(of: store))
    } catch {
      log.error("cannot tell the in.ctcs processes: \(error)")
    }
  }

  /// 303 to the page itself (a reload does not post again), with what happened in the query.
  func redirect(_ query: String) -> Response {
    let location = request.script
    return Response(status: "303 See Other", headers: ["Location: \(location)?\(query)"], body: "")
  }

  /// The notice for `?added=ID`, `?removed=ID`, `?moved=ID&place=N`, `?saved=settings` or
  /// `?sent=ACTION&id=ID`, in words of our own (nothing from the query is shown but numbers and
  /// known action names).
  func notice() -> String? {
    let query = query
    if query.text("saved") == "settings" { return "The sharing settings were saved." }
    if let added = query.text("added").flatMap({ Int64($0) }) { return "Torrent \(added) was queued." }
    if let removed = query.text("removed").flatMap({ Int64($0) }) { return "Torrent \(removed) was removed." }
    if let moved = query.text("moved").flatMap({ Int64($0) }), let place = query.text("place").flatMap({ Int($0) }) {
      return "Torrent \(moved) is now number \(place) in the queue."
    }
    if let sent = query.text("sent"), sent == "limit" || TorrentPage.controls.contains(where: { $0.words == sent }),
      let id = query.text("id").flatMap({ Int64($0) })
    {
      return sent == "limit" ? "Torrent \(id)'s limits were changed." : "Sent \(sent) to torrent \(id)."
    }
    return nil
  }


  /// Field NAME as kilobytes() does, or CURRENT when the form has no such field.
  static func kilobytes(_ form: WebForm, _ name: String, keeping current: Int64?) -> Int64?? {
    form.field(name) == nil ? .some(current) : kilobytes(form.text(name))
  }

  /// Empty is no limit (.some(nil)); a non-number is nil.
  static func kilobytes(_ text: String?) -> Int64?? {
    let trimmed = ASCII.trimmed(text ?? "")
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
}
