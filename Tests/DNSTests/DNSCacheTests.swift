@testable import DNS
import Glibc
import TestSupport
import XCTest

/// The shared cache itself: entries kept and counted down, evicted oldest first in a fixed
/// size, and shared with other processes (forked here), one of them killed holding the lock.
final class DNSCacheTests: XCTestCase {
  private var objectName = ""
  private let key = Upstream.key("www.example.org", QType.a)
  private let answer = Upstream.response(
    "www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 300)], additional: [Upstream.opt()])

  override func setUp() {
    objectName = "/slug-dns-test-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
  }

  override func tearDown() { shm_unlink(objectName) }

  private func open(_ bytes: Int = DNSCache.sizes.lowerBound) throws -> DNSCache {
    try XCTUnwrap(DNSCache.open(name: objectName, bytes: bytes))
  }

  /// The object's size and mode as the file system has them.
  private func objectStatus() -> stat? {
    var status = stat()
    return stat("/dev/shm" + objectName, &status) == 0 ? status : nil
  }

  /// A child process that opens the cache, takes its lock and stops there.
  private func spawnLockHolder() throws -> ForkedChild {
    let objectName = self.objectName
    let child = try spawn { report in
      guard let mine = DNSCache.open(name: objectName, bytes: DNSCache.sizes.lowerBound), mine.holdLock() else {
        return report.send("no lock")
      }
      report.send("holding")
      pause()
    }
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "holding")
    return child
  }

  private func spawn(_ body: (ReportPipe) -> Void) throws -> ForkedChild {
    let child = try ForkedChild.start(body)
    addTeardownBlock { child.stop() }
    return child
  }

  func testAnEntryIsServedWithItsTTLsCountedDownUntilItExpires() throws {
    let cache = try open()
    XCTAssertEqual(objectStatus().map { $0.st_mode & 0o777 }, 0o600)
    XCTAssertNil(cache.lookup(question: key, now: 1000))
    cache.insert(question: key, response: answer, now: 1000)
    XCTAssertEqual(cache.lookup(question: key, now: 1000), answer)
    let later = try XCTUnwrap(cache.lookup(question: Upstream.key("WWW.EXAMPLE.ORG", QType.a), now: 1299))
    XCTAssertEqual(Upstream.ttls(later).first, 1)
    XCTAssertNil(cache.lookup(question: key, now: 1300), "expired")
    XCTAssertNil(cache.lookup(question: key, now: 999), "from before it was stored")
    let statistics = try XCTUnwrap(cache.statistics())
    XCTAssertEqual(
      [statistics.entries, statistics.lookups, statistics.hits, statistics.inserts, statistics.evictions],
      [1, 5, 2, 1, 0])
  }

  func testDOAndCDAreSeparateEntriesAndANewerAnswerReplacesTheOlder() throws {
    let cache = try open()
    let signed = Upstream.key("www.example.org", QType.a, dnssecOK: true)
    cache.insert(question: key, response: answer, now: 1000)
    XCTAssertNil(cache.lookup(question: signed, now: 1000))
    XCTAssertNil(cache.lookup(question: Upstream.key("www.example.org", QType.a, checkingDisabled: true), now: 1000))
    let newer = Upstream.response("www.example.org", QType.a, answers: [Upstream.a("www.example.org", ttl: 60, 9)])
    cache.insert(question: key, response: newer, now: 1010)
    XCTAssertEqual(cache.lookup(question: key, now: 1010), newer)
    XCTAssertEqual(cache.statistics()?.entries, 1)
  }

  func testWhatMayNotBeCachedIsLeftOut() throws {
    let cache = try open()
    let failure = Upstream.response("www.example.org", QType.a, code: ResponseCode.serverFailure)
    cache.insert(question: key, response: failure, now: 1000)
    cache.insert(question: Upstream.key("other.example.org", QType.a), response: answer, now: 1000)
    let huge = Upstream.response(
      "www.example.org", QType.a,
      answers: [Upstream.record("www.example.org", Upstream.txt, ttl: 60, data: [UInt8](repeating: 7, count: 65000))])
    cache.insert(question: key, response: huge, now: 1000)
    XCTAssertNil(cache.lookup(question: key, now: 1000))
    XCTAssertEqual(cache.statistics()?.entries, 0)
  }

  func testAFullCacheEvictsTheOldestAndNeverGrows() throws {
    let cache = try open()
    let size = objectStatus()?.st_size
    XCTAssertEqual(size, off_t(DNSCache.sizes.lowerBound))
    let names = (0..<6000).map { "host\($0).example.org" }
    for (index, host) in names.enumerated() {
      let response = Upstream.response(host, QType.a, answers: [Upstream.a(host, ttl: 3600, UInt8(index % 250))])
      cache.insert(question: Upstream.key(host, QType.a), response: response, now: 1000 + Int64(index / 100))
    }
    let statistics = try XCTUnwrap(cache.statistics())
    XCTAssertGreaterThan(statistics.evictions, 0)
    XCTAssertEqual(statistics.entries + statistics.evictions, names.count)
    XCTAssertEqual(objectStatus()?.st_size, size)
    XCTAssertNil(cache.lookup(question: Upstream.key(names[0], QType.a), now: 1100), "the oldest went first")
    for host in names.suffix(500) {
      XCTAssertNotNil(cache.lookup(question: Upstream.key(host, QType.a), now: 1100), host)
    }
  }

  func testAnObjectOfAnotherSizeIsMadeAnewAndOneOfAnotherUserRefused() throws {
    let small = try open()
    small.insert(question: key, response: answer, now: 1000)
    let large = try open(2 * DNSCache.sizes.lowerBound)
    XCTAssertEqual(objectStatus()?.st_size, off_t(2 * DNSCache.sizes.lowerBound))
    XCTAssertNil(large.lookup(question: key, now: 1000))
    XCTAssertNotNil(small.lookup(question: key, now: 1000), "a process that mapped the old one keeps it")

    shm_unlink(objectName)
    let fd = shm_open(objectName, O_CREAT | O_RDWR, 0o644)
    XCTAssertEqual(ftruncate(fd, off_t(DNSCache.sizes.lowerBound)), 0)
    fchmod(fd, 0o644)
    close(fd)
    XCTAssertThrowsError(try DNSCache.attach(name: objectName, creatingWith: DNSCache.sizes.lowerBound)) {
      XCTAssertEqual($0 as? DNSCache.OpenError, .notOurs)
    }
    shm_unlink(objectName)
    XCTAssertThrowsError(try DNSCache.attach(name: objectName, creatingWith: nil)) {
      XCTAssertEqual($0 as? DNSCache.OpenError, .absent)
    }
  }

  func testADamagedObjectIsMadeAnew() throws {
    let fd = shm_open(objectName, O_CREAT | O_RDWR, 0o600)
    let junk = [UInt8](repeating: 0xA5, count: DNSCache.sizes.lowerBound)
    XCTAssertEqual(junk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, junk.count)
    close(fd)
    let cache = try open()
    cache.insert(question: key, response: answer, now: 1000)
    XCTAssertEqual(cache.lookup(question: key, now: 1000), answer)
  }

  func testProcessesShareEntriesAndAFlush() throws {
    let cache = try open()
    cache.insert(question: key, response: answer, now: 1000)
    let go = try ReportPipe()
    let objectName = self.objectName
    let other = Upstream.key("other.example.org", QType.a)
    let otherAnswer = Upstream.response("other.example.org", QType.a, answers: [Upstream.a("other.example.org", ttl: 60)])
    let child = try ForkedChild.start(keeping: [go.read]) { report in
      guard let mine = DNSCache.open(name: objectName, bytes: DNSCache.sizes.lowerBound) else { return report.send("no cache") }
      report.send(mine.lookup(question: self.key, now: 1001) == nil ? "miss" : "hit")
      mine.insert(question: other, response: otherAnswer, now: 1001)
      report.send("inserted")
      go.waitForClose()
      report.send(mine.lookup(question: other, now: 1002) == nil ? "flushed" : "still there")
    }
    addTeardownBlock { child.stop() }
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "hit")
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "inserted")
    XCTAssertEqual(cache.lookup(question: other, now: 1001), otherAnswer)
    XCTAssertTrue(cache.flush())
    go.closeWrite()
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "flushed")
    XCTAssertEqual(cache.statistics()?.flushes, 1)
  }

  func testAProcessKilledHoldingTheLockLeavesACacheOthersUse() throws {
    let cache = try open()
    cache.insert(question: key, response: answer, now: 1000)
    let child = try spawnLockHolder()
    child.stop()
    // What the dead process was writing may be half done: the cache starts empty.
    XCTAssertNil(cache.lookup(question: key, now: 1001))
    XCTAssertEqual(cache.statistics()?.flushes, 1)
    cache.insert(question: key, response: answer, now: 1001)
    XCTAssertEqual(cache.lookup(question: key, now: 1001), answer)
  }

  func testAStoppedHolderCostsOthersAMissNotAHang() throws {
    let cache = try open()
    cache.insert(question: key, response: answer, now: 1000)
    let child = try spawnLockHolder()
    let started = DispatchTime.now().uptimeNanoseconds
    XCTAssertNil(cache.lookup(question: key, now: 1001))
    cache.insert(question: key, response: answer, now: 1001)
    XCTAssertNil(cache.statistics())
    XCTAssertLessThan(DispatchTime.now().uptimeNanoseconds - started, 2_000_000_000)
  }
}
