import XCTest

@testable import Store

final class JabberArchiveTests: StoreTestCase {
  private let day: Int64 = 86_400_000
  private let now: Int64 = 1_764_288_000_000

  private func storeWithUsers(_ names: String...) throws -> Store {
    let store = try openStore()
    for name in names { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    return store
  }

  private func message(_ number: Int, from sender: String = "alice", to recipient: String = "bob", at stamp: Int64? = nil)
    -> JabberArchivedMessage
  {
    JabberArchivedMessage(
      uid: "u\(number)", stamp: stamp ?? now + Int64(number) * 1000, sender: sender, senderResource: "laptop",
      recipient: recipient, stanza: "<message xmlns='jabber:client'><body>\(number)</body></message>")
  }

  private func uids(_ page: JabberArchivePage) -> [String] { page.messages.map(\.uid) }

  func testBothSidesSeeTheMessageAndOthersDoNot() throws {
    let store = try storeWithUsers("alice", "bob", "carol")
    try store.archiveJabberMessage(message(1))
    for owner in ["alice", "BOB"] {
      let page = try store.jabberArchive(JabberArchiveQuery(owner: owner, limit: 10), now: now)
      XCTAssertEqual(uids(page), ["u1"])
      XCTAssertEqual(page.messages.first?.stanza, "<message xmlns='jabber:client'><body>1</body></message>")
    }
    XCTAssertEqual(try store.jabberArchive(JabberArchiveQuery(owner: "carol", limit: 10), now: now).count, 0)
  }

  func testPagingForwardBackwardAndByIndexCountsTheWholeResult() throws {
    let store = try storeWithUsers("alice", "bob")
    for number in 0..<25 { try store.archiveJabberMessage(message(number)) }
    let first = try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now)
    XCTAssertEqual(uids(first), (0..<10).map { "u\($0)" })
    XCTAssertEqual(first.count, 25)
    XCTAssertEqual(first.firstIndex, 0)
    XCTAssertFalse(first.complete)
    let third = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", page: .forward(after: "u19", offset: 0), limit: 10), now: now)
    XCTAssertEqual(uids(third), (20..<25).map { "u\($0)" })
    XCTAssertEqual(third.firstIndex, 20)
    XCTAssertTrue(third.complete)
    let last = try store.jabberArchive(JabberArchiveQuery(owner: "bob", page: .backward(before: nil), limit: 10), now: now)
    XCTAssertEqual(uids(last), (15..<25).map { "u\($0)" })
    XCTAssertEqual(last.firstIndex, 15)
    let before = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", page: .backward(before: "u5"), limit: 10), now: now)
    XCTAssertEqual(uids(before), (0..<5).map { "u\($0)" })
    XCTAssertTrue(before.complete)
    let indexed = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", page: .forward(after: nil, offset: 12), limit: 2), now: now)
    XCTAssertEqual(uids(indexed), ["u12", "u13"])
    XCTAssertEqual(indexed.firstIndex, 12)
  }

  /// Each process writes its rows in batches: a row written later may have been routed first.
  func testAnArchiveIsInTheOrderMessagesWereRoutedNotWritten() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.archiveJabberMessages([message(0), message(2)]) { _, _ in }
    try store.archiveJabberMessages([message(1, from: "bob", to: "alice"), message(3, from: "bob", to: "alice")]) { _, _ in }
    XCTAssertEqual(uids(try store.jabberArchive(JabberArchiveQuery(owner: "alice", limit: 10), now: now)), ["u0", "u1", "u2", "u3"])
    let after = try store.jabberArchive(
      JabberArchiveQuery(owner: "alice", page: .forward(after: "u1", offset: 0), limit: 1), now: now)
    XCTAssertEqual(uids(after), ["u2"])
    XCTAssertEqual(after.firstIndex, 2)
    let before = try store.jabberArchive(
      JabberArchiveQuery(owner: "alice", page: .backward(before: "u2"), limit: 1), now: now)
    XCTAssertEqual(uids(before), ["u1"])
  }

  func testFiltersByTimeWithIDsAndIDRange() throws {
    let store = try storeWithUsers("alice", "bob", "carol")
    for number in 0..<6 { try store.archiveJabberMessage(message(number)) }
    try store.archiveJabberMessage(message(6, from: "carol", to: "bob"))
    var query = JabberArchiveQuery(owner: "bob", start: now + 2000, end: now + 4000, limit: 10)
    XCTAssertEqual(uids(try store.jabberArchive(query, now: now)), ["u2", "u3", "u4"])
    query = JabberArchiveQuery(owner: "bob", with: "carol", limit: 10)
    XCTAssertEqual(uids(try store.jabberArchive(query, now: now)), ["u6"])
    query = JabberArchiveQuery(owner: "bob", with: "alice", withResource: "phone", limit: 10)
    XCTAssertEqual(uids(try store.jabberArchive(query, now: now)), [])
    query = JabberArchiveQuery(owner: "bob", afterUID: "u1", beforeUID: "u4", limit: 10)
    let between = try store.jabberArchive(query, now: now)
    XCTAssertEqual(uids(between), ["u2", "u3"])
    XCTAssertEqual(between.count, 2)
    query = JabberArchiveQuery(owner: "bob", uids: ["u5", "u1"], limit: 10)
    XCTAssertEqual(uids(try store.jabberArchive(query, now: now)), ["u1", "u5"])
  }

  func testAnIDOutsideTheUsersArchiveIsNotFound() throws {
    let store = try storeWithUsers("alice", "bob", "carol")
    try store.archiveJabberMessage(message(1))
    assertThrows(.notFound("no archived message 'u1'")) { () throws(StoreError) in
      try store.jabberArchive(JabberArchiveQuery(owner: "carol", page: .forward(after: "u1", offset: 0), limit: 10), now: now)
    }
    assertThrows(.notFound("no archived message 'u9'")) { () throws(StoreError) in
      try store.jabberArchive(JabberArchiveQuery(owner: "bob", uids: ["u9"], limit: 10), now: now)
    }
  }

  func testRetentionHidesOldMessagesAndLoginsDeleteThemInBatches() throws {
    let store = try storeWithUsers("alice", "bob")
    XCTAssertEqual(try store.jabberArchiveDays(), 365)
    try store.setJabberArchiveDays(10)
    try store.archiveJabberMessage(message(1, at: now - 11 * day))
    try store.archiveJabberMessage(message(2, at: now - 9 * day))
    XCTAssertEqual(uids(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now)), ["u2"])
    XCTAssertEqual(try store.expireJabberArchive(now: now), 1)
    XCTAssertEqual(try store.expireJabberArchive(now: now), 0)
    try store.setJabberArchiveDays(0)
    XCTAssertEqual(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now).count, 0)
    XCTAssertEqual(try store.expireJabberArchive(now: now), 1)
    try store.setJabberArchiveDays(nil)
    XCTAssertEqual(try store.jabberArchiveDays(), 365)
    assertThrows(.invalid("invalid archive retention -1 days: 0 to 10000000")) { () throws(StoreError) in
      try store.setJabberArchiveDays(-1)
    }
  }

  func testExpiryLooksAtABoundedBatchOfTheOldestRows() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.setJabberArchiveDays(1)
    for number in 0..<(Store.archiveExpiryBatch + 5) { try store.archiveJabberMessage(message(number, at: now - 2 * day)) }
    XCTAssertEqual(try store.expireJabberArchive(now: now), Store.archiveExpiryBatch)
    XCTAssertEqual(try store.expireJabberArchive(now: now), 5)
  }

  func testAnArchiveOverItsLimitLosesItsOldestMessages() throws {
    let store = try storeWithUsers("alice", "bob", "carol")
    try store.archiveJabberMessage(message(0, from: "carol", to: "alice"))
    try store.transaction { () throws(StoreError) in
      for number in 1...Store.maximumArchiveMessages { try store.archiveJabberMessage(message(number)) }
    }
    try store.trimJabberArchive(of: "bob")
    let bob = try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 1), now: now)
    XCTAssertEqual(bob.count, Store.maximumArchiveMessages)
    try store.archiveJabberMessage(message(Store.maximumArchiveMessages + 1))
    try store.trimJabberArchive(of: "bob")
    let trimmed = try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 1), now: now)
    XCTAssertEqual(trimmed.count, Store.maximumArchiveMessages)
    XCTAssertEqual(uids(trimmed), ["u2"])
    // Alice is not trimmed yet: her copy of u1 stays until her own archive is over the limit.
    XCTAssertEqual(uids(try store.jabberArchive(JabberArchiveQuery(owner: "alice", limit: 2), now: now)), ["u0", "u1"])
  }

  func testABatchWritesWhatItCanAndNamesWhatWasRefused() throws {
    let store = try storeWithUsers("alice", "bob")
    var big = message(2)
    big.stanza = String(repeating: "x", count: Store.maximumArchivedStanzaBytes + 1)
    var refused: [String] = []
    try store.archiveJabberMessages([message(1), big, message(1), message(3)]) { message, _ in refused.append(message.uid) }
    XCTAssertEqual(refused, ["u2", "u1"])
    XCTAssertEqual(uids(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now)), ["u1", "u3"])
  }

  func testAStanzaOverTheLimitIsRefused() throws {
    let store = try storeWithUsers("alice", "bob")
    var big = message(1)
    big.stanza = String(repeating: "x", count: Store.maximumArchivedStanzaBytes + 1)
    assertThrows(.invalid("archived message over 65536 bytes")) { () throws(StoreError) in
      try store.archiveJabberMessage(big)
    }
  }

  func testNeverKeepsAUsersSideOutAndBothNeverWritesNothing() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.setJabberArchiveDefault(of: "Bob", "never")
    XCTAssertEqual(try store.jabberArchiveDefault(of: "bob"), "never")
    XCTAssertEqual(try store.jabberArchiveDefault(of: "alice"), "always")
    try store.archiveJabberMessage(message(1))
    XCTAssertEqual(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now).count, 0)
    XCTAssertEqual(try store.jabberArchive(JabberArchiveQuery(owner: "alice", limit: 10), now: now).count, 1)
    try store.setJabberArchiveDefault(of: "alice", "never")
    try store.archiveJabberMessage(message(2))
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_archive") { $0.int(0) }, 1)
    assertThrows(.invalid("invalid archive default 'sometimes': always, never or roster")) { () throws(StoreError) in
      try store.setJabberArchiveDefault(of: "alice", "sometimes")
    }
  }

  func testRemovingAnAccountTakesItOutOfEveryArchive() throws {
    let store = try storeWithUsers("alice", "bob", "carol")
    try store.setJabberArchiveDefault(of: "carol", "never")
    try store.archiveJabberMessage(message(1))
    try store.archiveJabberMessage(message(2, from: "bob", to: "carol"))
    try store.removeJabberUser(named: "Bob")
    XCTAssertEqual(uids(try store.jabberArchive(JabberArchiveQuery(owner: "alice", limit: 10), now: now)), ["u1"])
    // Nobody keeps u2 any more (carol said never when it was written): the row is gone.
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_archive") { $0.int(0) }, 1)
    try store.addJabberUser(JabberUser(name: "bob", password: "pw"))
    XCTAssertEqual(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now).count, 0)
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_archive_prefs WHERE name = 'bob'") { $0.int(0) }, 0)
  }
}
