#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import CTCS
import Store
#endif

extension Slugctl.Torrent {
  enum Settings {
    static let command = Command(
      "settings",
      abstract: "Show the torrent settings, or set one (KEY VALUE), or put one back to its default (KEY --default).",
      discussion: """
        Keys: torrent_download_limit and torrent_upload_limit (KB/s shared by all torrents, 0 for \
        none; in.ctcs's DL_KB UL_KB override them; the running torrents share a new value at once), \
        torrent_max_active (how many run at once; a new value runs the queue), \
        torrent_ctorrent (the program), torrent_ctorrent_options (extra arguments, split at spaces), \
        torrent_download_dir, torrent_metainfo_dir (ID.torrent files and ctorrent logs), \
        torrent_ctcs_address (HOST:PORT of in.ctcs, given to ctorrent -S), \
        torrent_slow_update_below and torrent_slow_restart_below (KB/s: a download slower than the \
        first for torrent_slow_patience seconds gets CTUPDATE, still slower than the second as long \
        again CTRESTART; an update threshold of 0 turns the watch off; in.ctcs reads them when a client connects).
        """,
      parameters: [
        .db,
        .argument("key", help: "The setting.", optional: true),
        .argument("value", help: "Its new value.", optional: true),
        .flag("default", help: "Remove the setting: its default applies again."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let opened = try attempt { () throws(StoreError) in try invocation.openStore() }
      guard let key = invocation.optional("key") else {
        let settings = try attempt { () throws(StoreError) in try opened.settings() }
        // Not Dictionary(uniqueKeysWithValues:), which casts dynamically (not in Embedded Swift).
        var stored: [String: String] = [:]
        for setting in settings { stored[setting.key] = setting.value }
        Console.current.print(Table.render(
          header: ["KEY", "VALUE", "DEFAULT"],
          rows: SettingKey.torrentDefaults.map { [$0.key, stored[$0.key] ?? "-", $0.value] }))
        return
      }
      guard SettingKey.torrentDefaults.contains(where: { $0.key == key }) else {
        throw Failure.usage("unknown torrent setting '\(key)' (see slugctl torrent settings)")
      }
      let value = invocation.optional("value")
      if invocation.flag("default") {
        guard value == nil else { throw Failure.usage("give a value or --default, not both") }
        try attempt { () throws(StoreError) in try opened.setSetting(key, nil) }
        apply(key, to: opened)
        return
      }
      guard let value else {
        let setting = try attempt { () throws(StoreError) in try opened.setting(key) }
        Console.current.print(setting ?? SettingKey.torrentDefaults.first { $0.key == key }!.value)
        return
      }
      // The numeric keys, with their smallest value.
      let numeric: [String: Int64] = [
        SettingKey.torrentDownloadLimit: 0, SettingKey.torrentUploadLimit: 0, SettingKey.torrentMaxActive: 0,
        SettingKey.torrentSlowUpdateBelow: 0, SettingKey.torrentSlowRestartBelow: 0, SettingKey.torrentSlowPatience: 1,
      ]
      if let minimum = numeric[key], Int64(value).map({ $0 < minimum }) ?? true {
        throw Failure.usage("\(key) needs a whole number, \(minimum) or more, not '\(value)'")
      }
      try attempt { () throws(StoreError) in try opened.setSetting(key, value) }
      apply(key, to: opened)
    }

    /// What a new value needs at once: the running torrents share a new line from the store
    /// now, not at their next report; a new torrent_max_active may let more start.
    static func apply(_ key: String, to store: Store) {
      if key == SettingKey.torrentDownloadLimit || key == SettingKey.torrentUploadLimit {
        notifyTorrentServers(of: store, .rebalance)
      } else if key == SettingKey.torrentMaxActive {
        TorrentQueue.start(storePath: store.path)
      }
    }
  }
}
