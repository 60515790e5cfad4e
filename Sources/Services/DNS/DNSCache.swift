// The fuzzing builds (Scripts/fuzz) compile the protocol cores alone, without CLibc.
#if canImport(CLibc)
import CLibc

/// The cache every in.dns process shares: answers from upstream, positive and negative, in a
/// POSIX shared memory object (CLibc's dnscache.c keeps it; docs/design.md, "DNS"). It lives in
/// memory (/dev/shm), not on the flash the store is on, outlives each process and is gone at
/// reboot; its size is fixed when it is made, so it never grows.
public final class DNSCache {
  /// `--cache-size`: 4 MiB unless told, between 256 KiB and 64 MiB.
  public static let defaultBytes = 4 << 20
  public static let sizes = Int(SLUG_DNSCACHE_MINIMUM)...Int(SLUG_DNSCACHE_MAXIMUM)
  /// The longest answer the cache hands back (a TCP message's limit).
  static let largestResponse = 65535

  /// Why a cache could not be had.
  public enum OpenError: Error, Equatable {
    /// There is none (only when not asked to make one).
    case absent
    /// The object is another user's, or others may open it.
    case notOurs
    /// The object is not a cache of ours.
    case notACache
    case system(errno: Int32)

    public var description: String {
      switch self {
      case .absent: "no cache yet"
      case .notOurs: "the object is not this user's alone"
      case .notACache: "the object is not a cache"
      case .system(let code): "error \(code)"
      }
    }
  }

  /// The shared memory name for a store, from `StorePathHash.digits(of:)` of its path (Runtime).
  public static func objectName(storeHash: String) -> String { "/slug-dns-" + storeHash }

  /// Seconds on CLOCK_BOOTTIME, the clock every process agrees on and that counts a suspend.
  public static func now() -> Int64 {
    var time = timespec()
    clock_gettime(CLOCK_BOOTTIME, &time)
    return Int64(time.tv_sec)
  }

  private let base: UnsafeMutableRawPointer
  private let mapped: Int
  /// Where a lookup copies the stored answer before its TTLs are counted down.
  private var buffer: [UInt8]

  private init(base: UnsafeMutableRawPointer, mapped: Int) {
    self.base = base
    self.mapped = mapped
    buffer = []
  }

  deinit { slug_dnscache_close(base, mapped) }

  /// The cache under `name`, made with `bytes` (rounded down to a multiple of 8) when there is
  /// none, or none of that size: nil when it cannot be had, and the caller serves without one.
  public static func open(name: String, bytes: Int) -> DNSCache? {
    try? attach(name: name, creatingWith: bytes)
  }

  /// The same with the reason for a failure; `creatingWith` nil maps the cache only if it is
  /// there, whatever its size (slugctl).
  public static func attach(name: String, creatingWith bytes: Int?) throws(OpenError) -> DNSCache {
    if let bytes, !sizes.contains(bytes) { throw .system(errno: EINVAL) }
    var mapped = 0
    let base = name.withCString { slug_dnscache_open($0, (bytes ?? 0) & ~7, bytes == nil ? 0 : 1, &mapped) }
    guard let base else {
      switch slug_errno() {
      case ENOENT: throw .absent
      case EPERM: throw .notOurs
      case EINVAL: throw .notACache
      case let code: throw .system(errno: code)
      }
    }
    return DNSCache(base: base, mapped: mapped)
  }

  /// The answer stored for `question`, with every TTL lowered by the seconds since it was
  /// stored; nil when there is none, it has expired, or the cache is busy past 200 ms. The
  /// caller sets the ID and the question's case.
  public func lookup(question: CacheKey, now: Int64) -> [UInt8]? {
    let key = question.bytes
    if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: DNSCache.largestResponse) }
    var stored: Int64 = 0
    let length = buffer.withUnsafeMutableBufferPointer { output in
      key.withUnsafeBufferPointer { key in
        slug_dnscache_lookup(base, key.baseAddress, key.count, now, output.baseAddress, output.count, &stored)
      }
    }
    guard length > 0 else { return nil }
    var response = Array(buffer[0..<length])
    guard CacheLifetime.countDown(&response, by: now - stored) else { return nil }
    return response
  }

  /// Stores an upstream's `response` to `question` for as long as CacheLifetime allows, in
  /// place of an older one; one that may not be cached is left out.
  public func insert(question: CacheKey, response: [UInt8], now: Int64) {
    guard response.count <= DNSCache.largestResponse,
      let lifetime = CacheLifetime.seconds(of: response[...], for: question)
    else { return }
    let key = question.bytes
    _ = key.withUnsafeBufferPointer { key in
      response.withUnsafeBufferPointer { response in
        slug_dnscache_insert(
          base, key.baseAddress, key.count, response.baseAddress, response.count, now, now + lifetime)
      }
    }
  }

  /// The counters and the size; nil when the cache is busy past 200 ms.
  public func statistics() -> CacheStatistics? {
    var counts = slug_dnscache_statistics()
    guard slug_dnscache_statistics(base, &counts) == 0 else { return nil }
    return CacheStatistics(
      entries: Int(counts.entries), bytes: Int(counts.bytes), lookups: Int(counts.lookups), hits: Int(counts.hits),
      inserts: Int(counts.inserts), evictions: Int(counts.evictions), flushes: Int(counts.generation))
  }

  /// Empties the cache for every process at once. False when it is busy past 200 ms.
  @discardableResult
  public func flush() -> Bool { slug_dnscache_flush(base) == 0 }

  /// For tests: takes the lock and never gives it back, as a process killed half-way would.
  func holdLock() -> Bool { slug_dnscache_hold_lock(base) == 0 }
}

/// What `slugctl dns cache` shows.
public struct CacheStatistics: Equatable, Sendable {
  public var entries: Int
  /// The shared memory object's size.
  public var bytes: Int
  public var lookups: Int
  public var hits: Int
  public var inserts: Int
  public var evictions: Int
  /// Times the cache was emptied: `slugctl dns cache --flush`, or a process that died holding
  /// its lock.
  public var flushes: Int
}
#endif
