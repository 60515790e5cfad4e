import XCTest

@testable import Store

/// The mesh key: made at the first use, the same for every later reader, one per store.
final class MeshKeyTests: StoreTestCase {
  func testTheKeyIsMadeOnceAndReadTheSameByEveryConnection() throws {
    let store = try openStore()
    XCTAssertNil(try store.setting(SettingKey.meshKey), "a new store has none until a member needs it")
    let key = try store.meshKey()
    XCTAssertEqual(key.count, 32)
    XCTAssertEqual(try openStore().meshKey(), key)
    XCTAssertEqual(try store.setting(SettingKey.meshKey)?.utf8.count, 64)

    let other = try Store(path: directory + "/other.db")
    XCTAssertNotEqual(try other.meshKey(), key, "random, not derived")
  }

  func testADeletedKeyIsMadeAnewAndAMalformedOneIsAnError() throws {
    let store = try openStore()
    let first = try store.meshKey()
    try store.setSetting(SettingKey.meshKey, nil)
    XCTAssertNotEqual(try store.meshKey(), first)
    try store.setSetting(SettingKey.meshKey, "not hex")
    assertThrows(.invalid("\(databasePath): setting mesh_key is not 64 hex digits")) { () throws(StoreError) in
      _ = try store.meshKey()
    }
  }
}
