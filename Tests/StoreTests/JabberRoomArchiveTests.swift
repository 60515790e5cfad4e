import XCTest

@testable import Store

/// A room's messages in the message archive (schema version 14): a join's history and archive
/// queries to the room read the same rows, under the archive's retention.
final class JabberRoomArchiveTests: StoreTestCase {
  private let day: Int64 = 86_400_000
  private let now: Int64 = 1_764_288_000_000

  private func storeWithUsers(_ names: String...) throws -> Store {
    let store = try openStore()
    for name in names { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    try store.addJabberRoom(JabberRoom(name: "other"))
    return store
  }

  private func message(_ number: Int, room: String = "everyone", from sender: String = "alice", nick: String = "Al", at stamp: Int64? = nil)
    -> JabberArchivedMessage
  {
    JabberArchivedMessage(
      uid: "r\(number)", stamp: stamp ?? now + Int64(number) * 1000, sender: sender, senderResource: "laptop",
      recipient: nil, room: room, nick: nick,
      stanza: "<message xmlns='jabber:client' from='\(room)@conference.home/\(nick)' type='groupchat'><body>\(number)</body></message>")
  }

  private func uids(_ page: JabberArchivePage) -> [String] { page.messages.map(\.uid) }

  func testHistoryIsTheRoomsLastMessagesByCountAndTimeWithinTheRetention() throws {
    let store = try storeWithUsers("alice")
    for number in 0..<10 { try store.archiveJabberMessage(message(number)) }
    try store.archiveJabberMessage(message(99, room: "other"))
    let history = try store.jabberRoomHistory(room: "everyone", limit: 3, now: now + 60_000)
    XCTAssertEqual(history.map(\.uid), ["r7", "r8", "r9"], "the last three, oldest first")
    XCTAssertEqual(history.first?.nick, "Al")
    XCTAssertEqual(history.first?.sender, "alice")
    XCTAssertEqual(
      try store.jabberRoomHistory(room: "everyone", limit: 100, since: now + 8000, now: now + 60_000).map(\.uid), ["r8", "r9"])
    XCTAssertEqual(try store.jabberRoomHistory(room: "other", limit: 100, now: now + 60_000).map(\.uid), ["r99"])
    XCTAssertEqual(
      try store.jabberRoomHistory(room: "everyone", limit: 100, now: now + 365 * day + 5500).map(\.uid),
      ["r6", "r7", "r8", "r9"], "older than the retention is not answered")
    try store.setJabberArchiveDays(0)
    XCTAssertEqual(try store.jabberRoomHistory(room: "everyone", limit: 100, now: now + 60_000).count, 0)
  }

  func testTheRetentionExpiresARoomsRowsAsAnyOthers() throws {
    let store = try storeWithUsers("alice")
    try store.archiveJabberMessage(message(1))
    try store.archiveJabberMessage(message(2, at: now + 3 * day))
    try store.setJabberArchiveDays(2)
    XCTAssertEqual(try store.expireJabberArchive(now: now + 4 * day), 1)
    XCTAssertEqual(try store.jabberRoomHistory(room: "everyone", limit: 10, now: now + 4 * day).map(\.uid), ["r2"])
  }

  func testARoomQueryPagesTheRoomsMessagesOnlyWithRSM() throws {
    let store = try storeWithUsers("alice", "bob")
    for number in 0..<25 { try store.archiveJabberMessage(message(number, nick: number % 2 == 0 ? "Al" : "Bee")) }
    try store.archiveJabberMessage(
      JabberArchivedMessage(uid: "u1", stamp: now, sender: "alice", senderResource: "laptop", recipient: "bob", stanza: "<message/>"))
    let first = try store.jabberArchive(JabberArchiveQuery(owner: "bob", room: "everyone", limit: 10), now: now + 60_000)
    XCTAssertEqual(uids(first), (0..<10).map { "r\($0)" })
    XCTAssertEqual(first.count, 25)
    XCTAssertFalse(first.complete)
    let second = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", room: "everyone", page: .forward(after: "r9", offset: 0), limit: 10), now: now + 60_000)
    XCTAssertEqual(uids(second), (10..<20).map { "r\($0)" })
    XCTAssertEqual(second.firstIndex, 10)
    let third = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", room: "everyone", page: .forward(after: "r19", offset: 0), limit: 10), now: now + 60_000)
    XCTAssertEqual(uids(third), (20..<25).map { "r\($0)" })
    XCTAssertTrue(third.complete)
    let last = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", room: "everyone", page: .backward(before: nil), limit: 2), now: now + 60_000)
    XCTAssertEqual(uids(last), ["r23", "r24"])
    let byNick = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", room: "everyone", withNick: "Bee", end: now + 5000, limit: 10), now: now + 60_000)
    XCTAssertEqual(uids(byNick), ["r1", "r3", "r5"])
    let byDate = try store.jabberArchive(
      JabberArchiveQuery(owner: "bob", room: "everyone", with: "alice", start: now + 23_000, limit: 10), now: now + 60_000)
    XCTAssertEqual(uids(byDate), ["r23", "r24"])
    XCTAssertThrowsError(
      try store.jabberArchive(
        JabberArchiveQuery(owner: "bob", room: "everyone", page: .forward(after: "u1", offset: 0), limit: 10), now: now)
    ) { error in
      guard case StoreError.notFound = error else { return XCTFail("\(error)") }
    }
    XCTAssertEqual(
      uids(try store.jabberArchive(JabberArchiveQuery(owner: "bob", limit: 10), now: now + 60_000)), ["u1"],
      "a user's archive holds no room's messages")
  }

  func testVersion13sHistoryMovesIntoTheArchive() throws {
    let path = directory + "/v13.db"
    do {
      let old = try Store(path: path, migratingTo: 13)
      try old.database.execute(
        """
        INSERT INTO jabber_room_history (room, sender, stanza, stored) VALUES ('everyone', 'carol@home', '<message/>', 7);
        INSERT INTO jabber_room_history (room, sender, stanza, stored)
          VALUES ('everyone', 'dave@home', '<message from=''everyone@conference.home/d'' type=''groupchat''><body>x</body></message>', 8);
        """)
    }
    let store = try Store(path: path)
    let history = try store.jabberRoomHistory(room: "everyone", limit: 20, now: 9000)
    XCTAssertEqual(
      history.map(\.stanza),
      [
        "<message xmlns='jabber:client'/>",
        "<message xmlns='jabber:client' from='everyone@conference.home/d' type='groupchat'><body>x</body></message>",
      ])
    XCTAssertEqual(history.map(\.sender), ["carol", "dave"])
    XCTAssertEqual(history.map(\.stamp), [7000, 8000])
    XCTAssertEqual(history.map { $0.uid.count }, [20, 20])
    XCTAssertEqual(history.first.map { String($0.uid.prefix(12)) }, "000000001b58", "the time first, as every uid")
    XCTAssertNil(try store.database.row("SELECT name FROM sqlite_master WHERE name = 'jabber_room_history'") { $0.text(0) })
  }

  func testARoomsRowsOutliveTheirSenderAndGoWithTheirRoom() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.archiveJabberMessage(message(1))
    try store.archiveJabberMessage(message(2, room: "other"))
    try store.setJabberArchiveDefault(of: "alice", "never")
    try store.archiveJabberMessage(message(3))
    try store.removeJabberUser(named: "alice")
    XCTAssertEqual(try store.jabberRoomHistory(room: "everyone", limit: 10, now: now + 60_000).map(\.uid), ["r1", "r3"])
    try store.removeJabberRoom(named: "other")
    XCTAssertEqual(try store.jabberRoomHistory(room: "other", limit: 10, now: now + 60_000).count, 0)
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_archive") { $0.int(0) }, 2)
  }

  func testARoomKeepsItsNewestMessagesPastTheLimit() throws {
    let store = try storeWithUsers("alice")
    try store.archiveJabberMessages(
      (0..<(Store.maximumArchiveMessages + 300)).map { message($0) }, refused: { XCTFail("\($0.uid): \($1)") })
    let kept = try store.database.row("SELECT count(*) FROM jabber_archive WHERE room = 'everyone'") { $0.int(0) } ?? 0
    XCTAssertGreaterThanOrEqual(kept, Int64(Store.maximumArchiveMessages))
    XCTAssertLessThan(kept, Int64(Store.maximumArchiveMessages + 300), "trimmed at a row whose id is a multiple of 256")
    XCTAssertEqual(
      try store.jabberRoomHistory(room: "everyone", limit: 1, now: now + 60_000).map(\.uid), ["r\(Store.maximumArchiveMessages + 299)"])
  }
}
