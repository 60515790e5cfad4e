import XCTest

@testable import Store

/// XEP-0198's resumable streams as the store keeps them (Store+JabberStreams.swift).
final class JabberStreamTests: StoreTestCase {
  private func storeWithStream() throws -> Store {
    let store = try openStore()
    for name in ["Alice", "bob"] { try store.addJabberUser(JabberUser(name: name, password: "pw")) }
    try store.createJabberStream(id: "s1", name: "alice", resource: "phone", attached: 1000, state: "0 p\n<presence/>")
    return store
  }

  private func chat(_ number: Int) -> String { "<message type='chat'><body>\(number)</body></message>" }

  func testAStreamBelongsToAnAccount() throws {
    let store = try storeWithStream()
    XCTAssertEqual(try store.jabberStream(id: "s1")?.name, "Alice")
    XCTAssertThrowsError(try store.createJabberStream(id: "s2", name: "mallory", resource: "x", attached: 0, state: ""))
    try store.removeJabberUser(named: "alice")
    XCTAssertNil(try store.jabberStream(id: "s1"))
  }

  func testTheQueueKeepsTheOrderOfInsertionAndAnAcknowledgementDeletesWhatTheClientHas() throws {
    let store = try storeWithStream()
    let ids = try store.enqueueJabberStanzas([("s1", chat(1), true), ("gone", chat(9), true), ("s1", chat(2), true)])
    XCTAssertNil(ids[1], "no such stream")
    let first = try XCTUnwrap(ids[0])
    _ = try store.enqueueJabberStanzas([("s1", chat(3), true)])
    XCTAssertEqual(try store.jabberStreamQueue("s1", after: first).map(\.stanza), [chat(2), chat(3)])
    try store.acknowledgeJabberStream("s1", h: 5, upTo: first)
    XCTAssertEqual(try store.jabberStreamQueue("s1", after: 0).map(\.stanza), [chat(2), chat(3)])
    XCTAssertEqual(try store.jabberStream(id: "s1")?.acked, 5)
  }

  func testAFullQueueRefusesMore() throws {
    let store = try storeWithStream()
    let entries = (0..<Store.maximumQueuedStanzas).map { (stream: "s1", stanza: chat($0), offline: true) }
    XCTAssertFalse(try store.enqueueJabberStanzas(entries).contains(nil))
    XCTAssertEqual(try store.enqueueJabberStanzas([("s1", chat(0), true)]), [nil])
  }

  func testAResumptionDropsWhatTheClientReceivedAndReturnsTheRest() throws {
    let store = try storeWithStream()
    try store.setJabberStreamHandled("s1", handled: 4)
    _ = try store.enqueueJabberStanzas((1...3).map { ("s1", chat($0), true) })
    XCTAssertEqual(try store.resumeJabberStream("s1", name: "bob", h: 0, now: 5), .notFound)
    XCTAssertEqual(try store.resumeJabberStream("s1", name: "alice", h: 4, now: 5), .countTooHigh(sent: 3))
    guard case .resumed(let stream, let queue) = try store.resumeJabberStream("s1", name: "ALICE", h: 2, now: 5000) else {
      return XCTFail("not resumed")
    }
    XCTAssertEqual(queue.map(\.stanza), [chat(3)])
    XCTAssertEqual(stream.handled, 4)
    XCTAssertEqual(stream.attached, 5000)
    XCTAssertEqual(try store.jabberStream(id: "s1")?.acked, 2)
  }

  func testCountsWrapAroundAt2To32() throws {
    let store = try storeWithStream()
    try store.acknowledgeJabberStream("s1", h: UInt32.max, upTo: 0)
    _ = try store.enqueueJabberStanzas([("s1", chat(1), true), ("s1", chat(2), true)])
    guard case .resumed(_, let queue) = try store.resumeJabberStream("s1", name: "alice", h: 0, now: 1) else {
      return XCTFail("not resumed")
    }
    XCTAssertEqual(queue.map(\.stanza), [chat(2)], "h went from 2^32-1 to 0: one received")
  }

  func testAnEndedStreamLeavesItsUnacknowledgedMessagesOffline() throws {
    let store = try storeWithStream()
    _ = try store.enqueueJabberStanzas([("s1", chat(1), true), ("s1", "<presence/>", false), ("s1", chat(2), true)])
    XCTAssertEqual(try store.endJabberStream("s1", now: 77), 2)
    XCTAssertNil(try store.jabberStream(id: "s1"))
    XCTAssertEqual(try store.offlineMessages(for: "alice").map(\.stanza), [chat(1), chat(2)])
    XCTAssertEqual(try store.offlineMessages(for: "alice").map(\.stored), [77, 77])
    XCTAssertEqual(try store.jabberStreamQueue("s1", after: 0), [])
  }

  func testASweepEndsOnlyOldStreamsNoLiveSessionHolds() throws {
    let store = try storeWithStream()
    try store.createJabberStream(id: "live", name: "alice", resource: "desk", attached: 1000, state: "")
    try store.createJabberStream(id: "new", name: "alice", resource: "tablet", attached: 9000, state: "")
    try store.createJabberStream(id: "bobs", name: "bob", resource: "x", attached: 1000, state: "")
    _ = try store.enqueueJabberStanzas([("s1", chat(1), true), ("live", chat(2), true), ("new", chat(3), true)])
    XCTAssertEqual(try store.sweepJabberStreams(name: "alice", attachedBefore: 5000, keeping: ["live"], now: 9), 1)
    XCTAssertNil(try store.jabberStream(id: "s1"))
    XCTAssertNotNil(try store.jabberStream(id: "live"))
    XCTAssertNotNil(try store.jabberStream(id: "new"))
    XCTAssertNotNil(try store.jabberStream(id: "bobs"))
    XCTAssertEqual(try store.offlineMessages(for: "alice").map(\.stanza), [chat(1)])
  }
}
