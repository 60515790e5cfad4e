import XCTest

@testable import Store

final class JabberMessageTests: StoreTestCase {
  private func storeWithUsers(_ names: String...) throws -> Store {
    let store = try openStore()
    for name in names { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    return store
  }

  private func stanza(_ number: Int) -> String { "<message to='alice@slug'><body>\(number)</body></message>" }

  func testOfflineMessagesAreKeptInOrderPerRecipientWithoutRegardToCase() throws {
    let store = try storeWithUsers("Alice", "bob")
    try store.storeOfflineMessage(to: "alice", stanza: stanza(1), at: 100)
    try store.storeOfflineMessage(to: "bob", stanza: "<message to='bob@slug'/>", at: 150)
    try store.storeOfflineMessage(to: "ALICE", stanza: stanza(2), at: 200)
    let messages = try store.offlineMessages(for: "alice")
    XCTAssertEqual(messages.map { $0.stanza }, [stanza(1), stanza(2)])
    XCTAssertEqual(messages.map { $0.stored }, [100, 200])
    XCTAssertLessThan(messages[0].id, messages[1].id)
    XCTAssertEqual(try store.offlineMessages(for: "bob").map { $0.stanza }, ["<message to='bob@slug'/>"])
    XCTAssertEqual(try store.offlineMessages(for: "carol").count, 0)
  }

  func testDeletingUpToAnIDKeepsWhatArrivedAfterTheRead() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.storeOfflineMessage(to: "alice", stanza: stanza(1), at: 100)
    try store.storeOfflineMessage(to: "alice", stanza: stanza(2), at: 101)
    try store.storeOfflineMessage(to: "bob", stanza: stanza(9), at: 101)
    let read = try store.offlineMessages(for: "alice")
    try store.storeOfflineMessage(to: "alice", stanza: stanza(3), at: 102)
    try store.deleteOfflineMessages(for: "Alice", upTo: try XCTUnwrap(read.last).id)
    XCTAssertEqual(try store.offlineMessages(for: "alice").map { $0.stanza }, [stanza(3)])
    XCTAssertEqual(try store.offlineMessages(for: "bob").map { $0.stanza }, [stanza(9)])
  }

  func testAMessageForAnUnknownUserIsRefused() throws {
    let store = try storeWithUsers("alice")
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.storeOfflineMessage(to: "carol", stanza: stanza(1), at: 1)
    }
    XCTAssertEqual(try store.offlineMessages(for: "carol").count, 0)
  }

  func testAFullQueueRefusesTheNextMessageAndKeepsTheOldOnes() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.transaction { () throws(StoreError) in
      for number in 0..<Store.maximumOfflineMessages {
        try store.storeOfflineMessage(to: "alice", stanza: stanza(number), at: 1)
      }
    }
    do {
      try store.storeOfflineMessage(to: "alice", stanza: stanza(-1), at: 2)
      XCTFail("the queue took more than \(Store.maximumOfflineMessages) messages")
    } catch {
      guard case .invalid(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("'alice'"), message)
    }
    let kept = try store.offlineMessages(for: "alice")
    XCTAssertEqual(kept.count, Store.maximumOfflineMessages)
    XCTAssertEqual(kept.first?.stanza, stanza(0))
    // Another user's queue is not affected.
    try store.storeOfflineMessage(to: "bob", stanza: stanza(1), at: 2)
  }

  func testAQueueIsAlsoLimitedInBytes() throws {
    let store = try storeWithUsers("alice")
    let big = String(repeating: "x", count: 1 << 20)
    for _ in 0..<4 { try store.storeOfflineMessage(to: "alice", stanza: big, at: 1) }
    XCTAssertThrowsError(try store.storeOfflineMessage(to: "alice", stanza: "<message/>", at: 1))
    XCTAssertEqual(try store.offlineMessages(for: "alice").count, 4)
  }

  func testAVCardIsSetReplacedAndReadWithoutRegardToCase() throws {
    let store = try storeWithUsers("Alice")
    XCTAssertNil(try store.vCard(of: "alice"))
    try store.setVCard(of: "alice", "<vCard xmlns='vcard-temp'><FN>A</FN></vCard>")
    try store.setVCard(of: "ALICE", "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")
    XCTAssertEqual(try store.vCard(of: "Alice"), "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")
    XCTAssertEqual(try store.database.row("SELECT count(*) FROM jabber_vcards") { $0.int(0) }, 1)
  }

  func testAVCardForAnUnknownUserIsRefused() throws {
    let store = try storeWithUsers("alice")
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.setVCard(of: "carol", "<vCard xmlns='vcard-temp'/>")
    }
    XCTAssertNil(try store.vCard(of: "carol"))
  }

  func testRemovingAUserRemovesItsMessagesAndVCardOnly() throws {
    let store = try storeWithUsers("alice", "bob")
    try store.storeOfflineMessage(to: "alice", stanza: stanza(1), at: 1)
    try store.storeOfflineMessage(to: "bob", stanza: stanza(2), at: 1)
    try store.setVCard(of: "alice", "<vCard xmlns='vcard-temp'/>")
    try store.setVCard(of: "bob", "<vCard xmlns='vcard-temp'><FN>Bob</FN></vCard>")
    try store.removeJabberUser(named: "ALICE")
    XCTAssertEqual(try store.offlineMessages(for: "alice").count, 0)
    XCTAssertNil(try store.vCard(of: "alice"))
    // A new account of the same name starts empty.
    try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
    XCTAssertEqual(try store.offlineMessages(for: "alice").count, 0)
    XCTAssertNil(try store.vCard(of: "alice"))
    XCTAssertEqual(try store.offlineMessages(for: "bob").map { $0.stanza }, [stanza(2)])
    XCTAssertEqual(try store.vCard(of: "bob"), "<vCard xmlns='vcard-temp'><FN>Bob</FN></vCard>")
  }

  func testRemovingAnUnknownUserChangesNothing() throws {
    let store = try storeWithUsers("alice")
    try store.storeOfflineMessage(to: "alice", stanza: stanza(1), at: 1)
    assertThrows(.notFound("no jabber user 'carol'")) { () throws(StoreError) in
      try store.removeJabberUser(named: "carol")
    }
    XCTAssertEqual(try store.offlineMessages(for: "alice").count, 1)
  }

  func testADaemonWritingToTheStoreKeepsMessages() throws {
    _ = try storeWithUsers("alice")
    let daemon = try Store(writingTo: databasePath)
    try daemon.storeOfflineMessage(to: "alice", stanza: stanza(1), at: 5)
    try daemon.setVCard(of: "alice", "<vCard xmlns='vcard-temp'/>")
    let other = try openStore()
    XCTAssertEqual(try other.offlineMessages(for: "alice").map { $0.stored }, [5])
    XCTAssertEqual(try other.vCard(of: "alice"), "<vCard xmlns='vcard-temp'/>")
  }
}
