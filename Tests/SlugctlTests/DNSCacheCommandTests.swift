import DNS
import Glibc
import Runtime
import XCTest

/// `slugctl dns cache`: the shared cache's figures, and emptying it for every in.dns.
final class DNSCacheCommandTests: StoreCommandTestCase {
  private var objectName: String { DNSCache.objectName(storeHash: StorePathHash.digits(of: database)) }

  override func tearDown() {
    shm_unlink(objectName)
    super.tearDown()
  }

  /// A cache as in.dns makes it, holding one answer asked for twice and missed once.
  private func cacheWithOneEntry() throws -> DNSCache {
    let cache = try XCTUnwrap(DNSCache.open(name: objectName, bytes: DNSCache.sizes.lowerBound))
    let name: [UInt8] = [3] + Array("www".utf8) + [7] + Array("example".utf8) + [3] + Array("org".utf8) + [0]
    let key = try XCTUnwrap(CacheKey(name: name, type: 1, recordClass: 1, dnssecOK: false, checkingDisabled: false))
    let response: [UInt8] = [0xBE, 0xEF, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0] + name + [0, 1, 0, 1]
      + [0xC0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4, 192, 0, 2, 1]
    cache.insert(question: key, response: response, now: 100)
    XCTAssertNotNil(cache.lookup(question: key, now: 100))
    XCTAssertNotNil(cache.lookup(question: key, now: 101))
    XCTAssertNil(cache.lookup(question: key, now: 400))
    return cache
  }

  func testWithoutACacheItSaysSo() {
    XCTAssertEqual(succeed("dns", "cache"), "no cache yet\n")
    XCTAssertEqual(succeed("dns", "cache", "--flush"), "no cache yet\n")
    XCTAssertEqual(succeed("dns", "cache", "--json"), "[]\n")
    XCTAssertEqual(shm_open(objectName, O_RDONLY, 0), -1, "slugctl makes no cache")
  }

  func testFiguresShowSizeEntriesAndHitRate() throws {
    let cache = try cacheWithOneEntry()
    XCTAssertEqual(
      succeed("dns", "cache"),
      """
      size       262144 bytes (256 KiB)
      entries    1
      lookups    3
      hits       2
      hit rate   66.6%
      inserts    1
      evictions  0
      flushes    0

      """)
    XCTAssertEqual(
      succeed("dns", "cache", "--json"),
      "[\n  " + #"{"size":262144,"entries":1,"lookups":3,"hits":2,"inserts":1,"evictions":0,"flushes":0,"hit_rate":"66.6%"}"#
        + "\n]\n")
    withExtendedLifetime(cache) {}
  }

  func testFlushEmptiesItForEveryProcessAndKeepsTheCounters() throws {
    let cache = try cacheWithOneEntry()
    XCTAssertEqual(succeed("dns", "cache", "--flush"), "flushed 1 entries\n")
    let statistics = try XCTUnwrap(cache.statistics())
    XCTAssertEqual([statistics.entries, statistics.lookups, statistics.flushes], [0, 3, 1])
  }

  func testAnObjectOthersMayWriteIsRefused() throws {
    let cache = try cacheWithOneEntry()
    let fd = shm_open(objectName, O_RDWR, 0)
    defer { close(fd) }
    XCTAssertEqual(fchmod(fd, 0o666), 0)
    XCTAssertTrue(fail(69, "dns", "cache").contains("not this user's alone"))
    withExtendedLifetime(cache) {}
  }
}
