import XCTest

@testable import Store

/// XEP-0363 slots in the store: a per-user quota and count, expired rows swept, settings.
final class JabberUploadTests: StoreTestCase {
  private let now: Int64 = 1_764_288_000

  private func upload(_ number: Int, user: String = "alice", size: Int64 = 100, expiry: Int64? = nil) -> JabberUpload {
    JabberUpload(
      id: String(repeating: "0", count: 30) + String(number + 10), user: user, fileName: "f\(number).jpg", size: size,
      contentType: "image/jpeg", created: now, expiry: expiry ?? now + 86400)
  }

  func testASlotIsRecordedForAnAccountOnly() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "Alice", password: "pw"))
    try store.addJabberUpload(upload(1, user: "alice"), quota: 1000, now: now)
    XCTAssertEqual(try store.jabberUploads(of: "ALICE").map { ($0.user, $0.fileName) }.first?.0, "Alice")
    XCTAssertThrowsError(try store.addJabberUpload(upload(2, user: "nobody"), quota: 1000, now: now)) { error in
      guard case .notFound = error as? StoreError else { return XCTFail("\(error)") }
    }
  }

  func testTheQuotaCountsUnexpiredUploadsOfThatUserAlone() throws {
    let store = try openStore()
    for name in ["alice", "bob"] { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    try store.addJabberUpload(upload(1, size: 600), quota: 1000, now: now)
    XCTAssertThrowsError(try store.addJabberUpload(upload(2, size: 401), quota: 1000, now: now)) { error in
      guard case .invalid = error as? StoreError else { return XCTFail("\(error)") }
    }
    try store.addJabberUpload(upload(3, user: "bob", size: 1000), quota: 1000, now: now)
    // Once the first expires its bytes count no more, and the next request sweeps its row.
    try store.addJabberUpload(upload(4, size: 1000), quota: 1000, now: now + 86400)
    XCTAssertEqual(try store.jabberUploads(of: "alice").map(\.fileName), ["f4.jpg"])
  }

  func testExpiringReturnsTheRowsItDeleted() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    try store.addJabberUpload(upload(1, expiry: now + 10), quota: 1000, now: now)
    try store.addJabberUpload(upload(2, expiry: now + 20), quota: 1000, now: now)
    XCTAssertEqual(try store.expireJabberUploads(now: now + 15).map(\.fileName), ["f1.jpg"])
    XCTAssertEqual(try store.removeJabberUpload(id: upload(2).id).storedName, "\(now + 20)-\(upload(2).id)")
    XCTAssertThrowsError(try store.removeJabberUpload(id: upload(2).id))
  }

  func testSettingsDefaultAndAreRead() throws {
    let store = try openStore()
    XCTAssertEqual(try store.jabberUploadSettings(), JabberUploadSettings.defaults)
    XCTAssertEqual(JabberUploadSettings.defaults.maximumSize, 104_857_600)
    XCTAssertEqual(JabberUploadSettings.defaults.days, 30)
    try store.setSetting(SettingKey.jabberUploadMaximumSize, "5")
    try store.setSetting(SettingKey.jabberUploadURL, "https://box.lan:8443")
    let settings = try store.jabberUploadSettings()
    XCTAssertEqual(settings.maximumSize, 5)
    XCTAssertEqual(settings.baseURL, "https://box.lan:8443")
  }
}
