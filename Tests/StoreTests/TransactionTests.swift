import Foundation
import Synchronization
import XCTest

@testable import Store

final class TransactionTests: StoreTestCase {
  struct Abort: Error, Equatable {}

  private func names(_ store: Store) throws -> [String] { try store.jabberUsers().map(\.name) }

  func testAThrowRollsBackEverythingTheTransactionWrote() throws {
    let store = try openStore()
    XCTAssertThrowsError(
      try store.transaction {
        try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
        try store.addDNSHost(DNSHost(name: host("nas.home"), address: ip("192.168.0.2")))
        throw Abort()
      }
    ) { XCTAssertEqual($0 as? Abort, Abort()) }
    XCTAssertEqual(try names(store), [])
    XCTAssertEqual(try store.dnsHosts(), [])
  }

  func testAnImportStoppedByADuplicateLeavesNothingBehind() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "bob", password: "pw"))
    XCTAssertThrowsError(
      try store.transaction {
        for name in ["alice", "Bob", "carol"] {
          try store.addJabberUser(JabberUser(name: name, password: "pw"))
        }
      }
    ) { XCTAssertEqual($0 as? StoreError, .duplicate("jabber user 'bob' already exists")) }
    XCTAssertEqual(try names(store), ["bob"])
  }

  func testAConstraintTheStoreDidNotCheckFirstIsStillADuplicate() throws {
    let store = try openStore()
    try store.database.run("INSERT INTO dhcp_interfaces (name) VALUES ('eth0')")
    do {
      try store.database.run("INSERT INTO dhcp_interfaces (name) VALUES ('eth0')")
      XCTFail("inserted the same interface twice")
    } catch {
      guard case .duplicate(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains("dhcp_interfaces.name"), message)
    }
  }

  func testATransactionCommitsAndReturnsTheBodysValue() throws {
    let store = try openStore()
    let count = try store.transaction {
      try store.addJabberUser(JabberUser(name: "alice", password: "pw"))
      return try store.jabberUsers().count
    }
    XCTAssertEqual(count, 1)
    XCTAssertEqual(try names(try openStore()), ["alice"])
  }

  func testANestedThrowUndoesOnlyTheInnerWrites() throws {
    let store = try openStore()
    try store.transaction {
      try store.addJabberUser(JabberUser(name: "outer", password: "pw"))
      XCTAssertThrowsError(
        try store.transaction {
          try store.addJabberUser(JabberUser(name: "inner", password: "pw"))
          throw Abort()
        })
      try store.addJabberUser(JabberUser(name: "after", password: "pw"))
    }
    XCTAssertEqual(try names(store), ["after", "outer"])
  }

  func testANestedTransactionCommitsOnlyWithTheOuterOne() throws {
    let store = try openStore()
    let observer = try openStore()
    XCTAssertThrowsError(
      try store.transaction {
        try store.transaction { try store.addJabberUser(JabberUser(name: "inner", password: "pw")) }
        XCTAssertEqual(try names(observer), [], "visible before the outer commit")
        throw Abort()
      })
    XCTAssertEqual(try names(store), [])
  }

  /// Holds a write transaction on its own connection in another thread for `seconds`, having
  /// written one user; returns once the lock is held, and a wait for the thread's end.
  private func holdWriteLock(for seconds: Double) -> () -> Error? {
    final class Outcome: @unchecked Sendable { var error: Error? }  // written before `finished` signals
    let outcome = Outcome()
    let locked = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)
    let path = databasePath
    Thread.detachNewThread {
      defer { finished.signal() }
      do {
        let holder = try Store(path: path)
        try holder.transaction {
          try holder.addJabberUser(JabberUser(name: "holder", password: "pw"))
          locked.signal()
          usleep(UInt32(seconds * 1_000_000))
        }
      } catch {
        outcome.error = error
        locked.signal()
      }
    }
    XCTAssertEqual(locked.wait(timeout: .now() + 10), .success)
    return {
      XCTAssertEqual(finished.wait(timeout: .now() + 10), .success)
      return outcome.error
    }
  }

  func testASecondWriterWaitsForTheFirstInsteadOfFailing() throws {
    let store = try openStore()
    let finished = holdWriteLock(for: 0.5)
    let started = ContinuousClock.now
    try store.addJabberUser(JabberUser(name: "waiter", password: "pw"))
    XCTAssertGreaterThan(ContinuousClock.now - started, .milliseconds(200))
    XCTAssertNil(finished())
    XCTAssertEqual(try names(store), ["holder", "waiter"])
  }

  func testAWriterStillLockedOutAfterTheBusyTimeoutGetsBusy() throws {
    let store = try Store(path: databasePath, migratingTo: Store.schemaVersion, busyTimeoutMilliseconds: 50)
    let finished = holdWriteLock(for: 0.5)
    do {
      try store.addJabberUser(JabberUser(name: "waiter", password: "pw"))
      XCTFail("wrote while another connection held the write lock")
    } catch {
      guard case .busy(let message) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(message.contains(databasePath), message)
    }
    XCTAssertNil(finished())
    XCTAssertEqual(try names(store), ["holder"])
  }

  func testConnectionsWritingAtOnceAllSucceed() throws {
    _ = try openStore()
    let path = databasePath
    let failures = Mutex<[String]>([])
    DispatchQueue.concurrentPerform(iterations: 4) { writer in
      do {
        let store = try Store(path: path)
        for index in 0..<25 {
          try store.transaction {
            try store.addJabberUser(JabberUser(name: "w\(writer)u\(index)", password: "pw"))
            _ = try store.jabberUsers()
          }
          try store.putLease(
            Lease(
              interface: "eth0", address: IPv4Address(10, 0, UInt8(writer), UInt8(index)),
              mac: mac("aa:bb:cc:dd:ee:ff"), start: 0, expiry: 60, state: .active))
        }
      } catch {
        failures.withLock { $0.append("\(error)") }
      }
    }
    XCTAssertEqual(failures.withLock { $0 }, [])
    let store = try openStore()
    XCTAssertEqual(try store.jabberUsers().count, 100)
    XCTAssertEqual(try store.leases().count, 100)
  }

  func testReadersAreNotBlockedByAWriter() throws {
    let store = try openStore()
    try store.addJabberUser(JabberUser(name: "before", password: "pw"))
    let finished = holdWriteLock(for: 1)
    let started = ContinuousClock.now
    XCTAssertEqual(try names(store), ["before"])
    XCTAssertLessThan(ContinuousClock.now - started, .milliseconds(500))
    XCTAssertNil(finished())
  }
}
