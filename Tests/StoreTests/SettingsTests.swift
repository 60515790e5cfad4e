import XCTest

@testable import Store

final class SettingsTests: StoreTestCase {
  func testSettingsAreSetReplacedAndRemoved() throws {
    let store = try openStore()
    XCTAssertNil(try store.setting(SettingKey.torrentMaxActive))
    try store.setSetting(SettingKey.torrentMaxActive, "3")
    try store.setSetting(SettingKey.torrentDownloadDirectory, "/srv/downloads")
    XCTAssertEqual(try store.integerSetting(SettingKey.torrentMaxActive), 3)
    try store.setSetting(SettingKey.torrentMaxActive, "4")
    XCTAssertEqual(try store.setting(SettingKey.torrentMaxActive), "4")
    XCTAssertEqual(
      try store.settings().map { "\($0.key)=\($0.value)" },
      ["torrent_download_dir=/srv/downloads", "torrent_max_active=4"])
    try store.setSetting(SettingKey.torrentMaxActive, nil)
    XCTAssertNil(try store.setting(SettingKey.torrentMaxActive))
  }

  func testBadNamesAndNonNumbersAreRefused() throws {
    let store = try openStore()
    assertThrows(.invalid("invalid setting name 'a b': empty or has spaces or control characters")) {
      () throws(StoreError) in try store.setSetting("a b", "1")
    }
    try store.setSetting(SettingKey.torrentMaxActive, "many")
    assertThrows(.io("\(store.path): setting torrent_max_active 'many' is not a number")) { () throws(StoreError) in
      _ = try store.integerSetting(SettingKey.torrentMaxActive)
    }
  }

  func testTorrentPIDsAreRecordedAndCleared() throws {
    let store = try openStore()
    let torrent = try store.addTorrent(name: "ubuntu", metainfo: Array("d4:infod4:name1:uee".utf8), now: 1)
    XCTAssertNil(try store.torrentPID(id: torrent.id))
    try store.setTorrentPID(id: torrent.id, 1234)
    XCTAssertEqual(try store.torrentPID(id: torrent.id), 1234)
    try store.setTorrentPID(id: torrent.id, nil)
    XCTAssertNil(try store.torrentPID(id: torrent.id))
    assertThrows(.notFound("no torrent 999")) { () throws(StoreError) in try store.setTorrentPID(id: 999, 1) }
  }
}
