import Foundation
import XCTest

@testable import Store

final class JabberUserTests: StoreTestCase {
  func testUsersAreListedByNameAndFoundWithoutRegardToCase() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "bob", password: "b0b"))
    try store.addJabberAccount(testAccount(JabberUser(name: "Alice", password: "secret"), legacy: true))
    XCTAssertEqual(
      try store.jabberAccounts(),
      [testAccount(JabberUser(name: "Alice", password: "secret"), legacy: true), testAccount(JabberUser(name: "bob", password: "b0b"))])
    XCTAssertEqual(try store.jabberAccount(named: "ALICE")?.legacyPassword, "secret")
    XCTAssertEqual(try store.jabberAccount(named: "BOB")?.legacyPassword, nil)
    XCTAssertNil(try store.jabberAccount(named: "carol"))
  }

  func testANameDifferingOnlyInCaseIsADuplicate() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "Alice", password: "one"))
    assertThrows(.duplicate("jabber user 'Alice' already exists")) { () throws(StoreError) in
      try store.addJabberUser(JabberUser(name: "alice", password: "two"))
    }
    XCTAssertEqual(try store.jabberUsers().count, 1)
  }

  func testInvalidNamesPasswordsAndCredentialsAreRefusedWithoutEchoingThePassword() throws {
    let store = try openStore()
    do {
      try store.addJabberUser(JabberUser(name: "a b", password: "x"))
      XCTFail("accepted a name with a space")
    } catch {
      guard case .invalid(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("'a b'"), message)
    }
    do {
      try store.addJabberAccount(testAccount(JabberUser(name: "alice", password: "two words"), legacy: true))
      XCTFail("accepted a password with a space")
    } catch {
      guard case .invalid(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("'alice'"), message)
      XCTAssertFalse(message.contains("two words"), message)
    }
    var weak = testAccount(JabberUser(name: "carol", password: "pw"))
    weak.sha1.iterations = 1000
    assertThrows(
      .invalid("invalid credentials for jabber user 'carol': a salt, keys and at least 4096 iterations")
    ) { () throws(StoreError) in try store.addJabberAccount(weak) }
    XCTAssertEqual(try store.jabberUsers(), [])
  }

  func testSetAccountChangesOnlyThatUserAndClearingLegacyDropsThePlaintext() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "old"))
    try store.addJabberUser(JabberUser(name: "bob", password: "bobs"))
    try store.setJabberAccount(testAccount(JabberUser(name: "ALICE", password: "new"), legacy: true))
    XCTAssertEqual(try store.jabberAccounts().map(testPassword), ["new", "bobs"])
    XCTAssertEqual(try store.jabberAccount(named: "alice")?.legacyPassword, "new")
    try store.clearJabberLegacyPassword(name: "alice")
    XCTAssertEqual(try store.jabberAccount(named: "alice")?.legacyPassword, nil)
    XCTAssertEqual(try store.jabberAccounts().map(testPassword), ["new", "bobs"])
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.setJabberAccount(testAccount(JabberUser(name: "carol", password: "x")))
    }
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.clearJabberLegacyPassword(name: "carol")
    }
  }

  func testRemoveDeletesTheUserOrReportsNotFound() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    try store.removeJabberUser(named: "Alice")
    XCTAssertEqual(try store.jabberUsers(), [])
    assertThrows(.notFound("no jabber user 'alice'")) { () throws(StoreError) in
      try store.removeJabberUser(named: "alice")
    }
  }

  /// A file of schema 7 with plaintext passwords (written and checkpointed, so they are in both
  /// the database file and the WAL's history): the migrating open hashes them, and the
  /// plaintext is in neither file afterwards.
  func testPlaintextJabberUsersAreHashedByTheMigrationAndLeaveNoTrace() throws {
    let passwords = ["plaintext-one-Xq7", "plaintext-two-Zk9"]
    do {
      let old = try Store(path: databasePath, migratingTo: 7)
      try old.database.run("INSERT INTO jabber_users (name, password) VALUES ('alice', ?)", .text(passwords[0]))
      _ = try old.database.row("PRAGMA wal_checkpoint(PASSIVE)") { $0.int(0) }
      try old.database.run("INSERT INTO jabber_users (name, password) VALUES ('bob', ?)", .text(passwords[1]))
    }
    XCTAssertTrue(try fileBytes(contain: passwords[0]) || fileBytes(contain: passwords[1]), "the test's premise")
    let store = try Store(path: databasePath, hashingPasswords: { testAccount($0) })
    XCTAssertEqual(try store.jabberAccounts().map(\.name), ["alice", "bob"])
    XCTAssertEqual(try store.jabberAccounts().map(testPassword), passwords)
    XCTAssertEqual(try store.jabberAccounts().map(\.legacyPassword), [nil, nil])
    for password in passwords {
      XCTAssertFalse(try fileBytes(contain: password), "\(password) is still in the file or its WAL")
    }
  }

  func testAnOldFileWithUsersIsNotMigratedWithoutAHasher() throws {
    do {
      let old = try Store(path: databasePath, migratingTo: 7)
      try old.database.run("INSERT INTO jabber_users (name, password) VALUES ('alice', 'pw')")
    }
    assertThrows(.io("\(databasePath): holds plaintext jabber passwords; open it with slugctl to hash them")) {
      () throws(StoreError) in _ = try Store(path: databasePath)
    }
    XCTAssertEqual(try Store(path: databasePath, migratingTo: 7).userVersion(), 7)
  }

  func testLoginFailuresDoubleTheDelayUpToTheCapAndSuccessOrTimeClearsThem() throws {
    let store = try openStore()
    XCTAssertNil(try store.loginDelay(address: "192.0.2.1", now: 1000))
    var delays: [Int64] = []
    var now: Int64 = 1000
    for _ in 0..<8 {
      try store.recordLoginFailure(address: "192.0.2.1", now: now, base: 100, cap: 5000)
      delays.append(try store.loginDelay(address: "192.0.2.1", now: now) ?? -1)
      now += 10
    }
    XCTAssertEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000])
    XCTAssertEqual(try store.loginDelay(address: "192.0.2.1", now: now + 4000), 990)
    XCTAssertNil(try store.loginDelay(address: "192.0.2.2", now: now), "another address is not slowed")
    try store.clearLoginFailures(address: "192.0.2.1")
    XCTAssertNil(try store.loginDelay(address: "192.0.2.1", now: now))
    // A failure long after the last one starts again from the first delay.
    try store.recordLoginFailure(address: "192.0.2.3", now: 0, base: 100, cap: 5000)
    try store.recordLoginFailure(address: "192.0.2.3", now: 10, base: 100, cap: 5000)
    let later = 10 + Store.loginFailureMemory + 1
    XCTAssertNil(try store.loginDelay(address: "192.0.2.3", now: later), "expired")
    try store.recordLoginFailure(address: "192.0.2.3", now: later, base: 100, cap: 5000)
    XCTAssertEqual(try store.loginDelay(address: "192.0.2.3", now: later), 100)
    XCTAssertEqual(try store.loginDelayLimits().base, 1000)
    XCTAssertEqual(try store.loginDelayLimits().cap, 60_000)
  }

  func testTheDecoySecretIsMadeOnceAndKept() throws {
    let store = try openStore()
    let first = try store.jabberDecoySecret(random: { [1, 2, 3] })
    XCTAssertEqual(first, "010203")
    XCTAssertEqual(try openStore().jabberDecoySecret(random: { [9] }), "010203")
  }

  private func fileBytes(contain text: String) throws -> Bool {
    let needle = Data(text.utf8)
    for path in [databasePath, databasePath + "-wal"] {
      guard let data = FileManager.default.contents(atPath: path) else { continue }
      if data.range(of: needle) != nil { return true }
    }
    return false
  }
}
