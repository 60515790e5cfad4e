#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import DNS
import Runtime
#endif

extension Slugctl.DNS {
  enum Cache {
    static let command = Command(
      "cache",
      abstract: "Show in.dns's cache of upstream answers (size, entries, hit rate), or empty it.",
      discussion: """
        Every in.dns of the store shares one cache, a shared memory object named after the \
        store's path (/dev/shm/slug-dns-XXXXXXXX) that the first in.dns makes; it is gone at \
        reboot. Its counters start when it is made and outlive a flush.
        """,
      parameters: [
        .db,
        .json,
        .flag("flush", help: "Empty the cache: every in.dns asks upstream again."),
      ],
      run: run)

    private static func run(_ invocation: Invocation) throws(Failure) {
      let flush = invocation.flag("flush")
      let name = DNSCache.objectName(storeHash: StorePathHash.digits(of: invocation.storeOptions.path))
      let cache: DNSCache
      do throws(DNSCache.OpenError) {
        cache = try DNSCache.attach(name: name, creatingWith: nil)
      } catch .absent {
        Console.current.print(invocation.json ? JSON.list([]) : "no cache yet")
        return
      } catch {
        throw Failure.unavailable("/dev/shm\(name): \(error.description)")
      }
      guard let before = cache.statistics(), !flush || cache.flush() else {
        throw Failure.unavailable("/dev/shm\(name): busy (an in.dns holds its lock)")
      }
      if flush {
        let flushed = before.entries
        Console.current.print(
          invocation.json ? JSON.list([.object([("flushed", .integer(Int64(flushed)))])]) : "flushed \(flushed) entries")
        return
      }
      let rate = before.lookups == 0 ? "-" : Self.percent(before.hits, of: before.lookups)
      let rows: [(String, Int)] = [
        ("size", before.bytes), ("entries", before.entries), ("lookups", before.lookups), ("hits", before.hits),
        ("inserts", before.inserts), ("evictions", before.evictions), ("flushes", before.flushes),
      ]
      if invocation.json {
        Console.current.print(
          JSON.list([.object(rows.map { ($0.0, .integer(Int64($0.1))) } + [("hit_rate", .string(rate))])]))
      } else {
        var lines = rows.map { Self.padded($0.0) + String($0.1) }
        lines[0] += " bytes (\(before.bytes >> 10) KiB)"
        lines.insert(Self.padded("hit rate") + rate, at: 4)
        Console.current.print(lines.joined(separator: "\n"))
      }
    }

    static func padded(_ label: String) -> String { label + String(repeating: " ", count: 11 - label.count) }

    /// "80.0%": tenths, rounded down, without Foundation's formatting.
    static func percent(_ part: Int, of whole: Int) -> String {
      let tenths = part * 1000 / whole
      return "\(tenths / 10).\(tenths % 10)%"
    }
  }
}
