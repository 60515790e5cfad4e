import Foundation
import Glibc
import Runtime
import TestSupport
import XCTest

@testable import SlugctlKit
@testable import Store

/// `slugctl jabber upload` (XEP-0363 settings, list, rm) and what `slugctl init` makes for it.
final class JabberUploadCommandTests: StoreCommandTestCase {
  var secret: String { directory.path + "/upload.key" }
  var uploads: String { directory.path + "/upload" }

  func upload(_ number: Int, expiry: Int64) -> JabberUpload {
    JabberUpload(
      id: String(repeating: "a", count: 31) + String(number), user: "alice", fileName: "f\(number).png", size: 10,
      contentType: "image/png", created: 1, expiry: expiry)
  }

  func testInitMakesTheSecretForWWWAndJabberdAndTheDirectoryForWWWAlone() throws {
    succeed("init")
    let key = try XCTUnwrap(FileManager.default.contents(atPath: secret))
    XCTAssertEqual(key.count, 32)
    var status = stat()
    XCTAssertEqual(lstat(secret, &status), 0)
    XCTAssertEqual(status.st_mode & 0o777, geteuid() == 0 ? 0o640 : 0o600)
    XCTAssertEqual(lstat(uploads, &status), 0)
    XCTAssertEqual(status.st_mode & 0o7777, 0o700)
    if geteuid() == 0, let www = getpwnam("slug-www") { XCTAssertEqual(status.st_uid, www.pointee.pw_uid) }
    let descriptor = open(secret, O_RDONLY)
    defer { close(descriptor) }
    let readers = AccessList.readers(of: descriptor)
    for user in ["slug-www", "slug-jabberd"] {
      if let account = getpwnam(user) { XCTAssertTrue(readers.contains(account.pointee.pw_uid), user) }
    }
    if let smtp = getpwnam("slug-smtp") { XCTAssertFalse(readers.contains(smtp.pointee.pw_uid), "no other daemon reads it") }
    succeed("init")
    XCTAssertEqual(FileManager.default.contents(atPath: secret), key, "kept across inits: granted slots stay valid")
  }

  func testSettingsShowSetAndResetAndRefuseNonsense() throws {
    XCTAssertEqual(succeed("jabber", "upload"), "max-size 104857600\ndays 30\nquota 1073741824\nurl https://DOMAIN\n")
    succeed("jabber", "upload", "--max-size", "5000", "--days", "7", "--quota", "90000", "--url", "https://box.lan:8443")
    XCTAssertEqual(
      try openStore().jabberUploadSettings(),
      JabberUploadSettings(maximumSize: 5000, days: 7, quota: 90000, baseURL: "https://box.lan:8443"))
    for bad in [["--days", "0"], ["--max-size", "-1"], ["--url", "http://box.lan"], ["--url", "https://box.lan/x'y"]] {
      let result = slugctl(["jabber", "upload"] + bad + ["--db", database])
      XCTAssertEqual(result.status, 64, "\(bad)")
      XCTAssertTrue(result.error.contains(bad[0]), "\(bad): \(result.error)")
    }
    succeed("jabber", "upload", "--default")
    XCTAssertEqual(try openStore().jabberUploadSettings(), JabberUploadSettings.defaults)
  }

  func testListAndRemoveAndAChangeExpiresOldUploadsWithTheirFiles() throws {
    succeed("init")
    succeed("jabber", "adduser", "alice", "--password", "a")
    let now = Int64(time(nil))
    let store = try openStore()
    for (number, expiry) in [(1, now - 10), (2, now + 1000), (3, now + 2000)] {
      try store.database.run(
        "INSERT INTO jabber_uploads (id, name, file_name, size, content_type, created, expiry) VALUES (?, 'alice', ?, 10, 'image/png', 1, ?)",
        .text(upload(number, expiry: expiry).id), .text("f\(number).png"), .integer(expiry))
    }
    try Data("old".utf8).write(to: URL(fileURLWithPath: uploads + "/" + upload(1, expiry: now - 10).storedName))
    try Data("two".utf8).write(to: URL(fileURLWithPath: uploads + "/" + upload(2, expiry: now + 1000).storedName))
    XCTAssertEqual(try jsonList("jabber", "upload", "list").map { $0["file_name"] as? String }, ["f1.png", "f2.png", "f3.png"])
    XCTAssertTrue(succeed("jabber", "upload", "list").contains("f2.png"))

    succeed("jabber", "upload", "--days", "10")
    XCTAssertEqual(try jsonList("jabber", "upload", "list").map { $0["file_name"] as? String }, ["f2.png", "f3.png"])
    XCTAssertFalse(FileManager.default.fileExists(atPath: uploads + "/" + upload(1, expiry: now - 10).storedName))

    succeed("jabber", "upload", "rm", upload(2, expiry: now + 1000).id)
    XCTAssertFalse(FileManager.default.fileExists(atPath: uploads + "/" + upload(2, expiry: now + 1000).storedName))
    // Never uploaded: a .part takes its place, so in.www refuses a PUT to the removed slot.
    succeed("jabber", "upload", "rm", upload(3, expiry: now + 2000).id)
    XCTAssertTrue(FileManager.default.fileExists(atPath: uploads + "/" + upload(3, expiry: now + 2000).storedName + ".part"))
    XCTAssertTrue(fail(65, "jabber", "upload", "rm", upload(3, expiry: now + 2000).id).contains("no upload"))
    XCTAssertEqual(try jsonList("jabber", "upload", "list").count, 0)
  }
}
