/// Settings: text values under well-known keys (`SettingKey`). A key that is absent takes the
/// default its reader documents.
extension Store {
  public func setting(_ key: String) throws(StoreError) -> String? {
    try database.row("SELECT value FROM settings WHERE key = ?", .text(key), map: { $0.text(0) })
  }

  /// Sets KEY to VALUE, or removes it (back to its default) when VALUE is nil.
  public func setSetting(_ key: String, _ value: String?) throws(StoreError) {
    guard !key.isEmpty, !key.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }) else {
      throw .invalid("invalid setting name '\(key)': empty or has spaces or control characters")
    }
    if let value {
      try database.run(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        .text(key), .text(value))
    } else {
      try database.run("DELETE FROM settings WHERE key = ?", .text(key))
    }
  }

  /// Every setting, by key.
  public func settings() throws(StoreError) -> [(key: String, value: String)] {
    try database.rows("SELECT key, value FROM settings ORDER BY key", map: { (key: $0.text(0), value: $0.text(1)) })
  }

  /// An integer setting; nil when absent, an error when stored but not a number.
  public func integerSetting(_ key: String) throws(StoreError) -> Int64? {
    guard let text = try setting(key) else { return nil }
    guard let value = Int64(text) else { throw .io("\(path): setting \(key) '\(text)' is not a number") }
    return value
  }

  /// The ctorrent the queue runner started for torrent ID (nil: none recorded).
  public func torrentProcess(id: Int64) throws(StoreError) -> ProcessMark? {
    guard
      let mark = try database.row(
        "SELECT pid, pid_started FROM torrents WHERE id = ?", .integer(id),
        map: { ProcessMark.columns($0.optionalInt(0), $0.optionalInt(1)) })
    else { throw .notFound("no torrent \(id)") }
    return mark
  }

  public func setTorrentProcess(id: Int64, _ process: ProcessMark?) throws(StoreError) {
    let changed = try database.run(
      "UPDATE torrents SET pid = ?, pid_started = ? WHERE id = ?", .integer(process.map { Int64($0.pid) }),
      .integer(process?.started), .integer(id))
    if changed == 0 { throw .notFound("no torrent \(id)") }
  }
}

/// The settings keys slug reads, with their defaults.
public enum SettingKey {
  /// Global torrent download limit, KB/s (0 or absent: unlimited). in.ctcs's DL_KB overrides it.
  public static let torrentDownloadLimit = "torrent_download_limit"
  /// Global torrent upload limit, KB/s (0 or absent: unlimited). in.ctcs's UL_KB overrides it.
  public static let torrentUploadLimit = "torrent_upload_limit"
  /// How many torrents run at once (default 2).
  public static let torrentMaxActive = "torrent_max_active"
  /// The ctorrent program (default: found on PATH as `ctorrent`).
  public static let torrentCtorrent = "torrent_ctorrent"
  /// Extra ctorrent arguments, split at spaces (default none).
  public static let torrentCtorrentOptions = "torrent_ctorrent_options"
  /// Where downloads are saved (default /var/lib/slug/downloads).
  public static let torrentDownloadDirectory = "torrent_download_dir"
  /// Where the queue runner writes ID.torrent files and ctorrent logs (default /var/lib/slug/torrents).
  public static let torrentMetainfoDirectory = "torrent_metainfo_dir"
  /// The in.ctcs address ctorrent is pointed at with -S (default 127.0.0.1:2780).
  public static let torrentCTCSAddress = "torrent_ctcs_address"
  /// A download slower than this many KB/s for `torrentSlowPatience` seconds gets CTUPDATE
  /// (default 5; 0 turns the slow-torrent watch off).
  public static let torrentSlowUpdateBelow = "torrent_slow_update_below"
  /// Still slower than this many KB/s another `torrentSlowPatience` seconds later: CTRESTART
  /// (default 2; at most the update threshold).
  public static let torrentSlowRestartBelow = "torrent_slow_restart_below"
  /// How many seconds a download may stay slow before each nudge (default 300).
  public static let torrentSlowPatience = "torrent_slow_patience"
  /// The secret the torrent web page signs its forms with (made on first use).
  public static let torrentWebSecret = "torrent_web_secret"

  /// The torrent keys an administrator sets, with their defaults (the secret is not one).
  public static let torrentDefaults: [(key: String, value: String)] = [
    (torrentDownloadLimit, "0"), (torrentUploadLimit, "0"), (torrentMaxActive, "2"), (torrentCtorrent, "ctorrent"),
    (torrentCtorrentOptions, ""), (torrentDownloadDirectory, "/var/lib/slug/downloads"),
    (torrentMetainfoDirectory, "/var/lib/slug/torrents"), (torrentCTCSAddress, "127.0.0.1:2780"),
    (torrentSlowUpdateBelow, "5"), (torrentSlowRestartBelow, "2"), (torrentSlowPatience, "300"),
  ]
}
