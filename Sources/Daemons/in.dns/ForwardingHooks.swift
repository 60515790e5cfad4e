/// The call points around forwarding, for the cache; each does nothing until it is set. They
/// see only questions that are outside every local zone and not blocked (Responder answers
/// those), from clients in the allowed networks.
struct ForwardingHooks {
  /// cache: dnscache, lookup before forwarding. A fresh cached answer made into the client's
  /// reply (its ID, its question's case, TTLs counted down, fitted to the transport); nil: ask upstream.
  var cached: (ForwardedQuery, Transport) -> [UInt8]? = { _, _ in nil }
  /// cache: dnscache, insert after forwarding. An accepted upstream answer, as the upstream sent it.
  var insert: (ForwardedQuery, [UInt8]) -> Void = { _, _ in }
}

extension ForwardingHooks {
  /// The hooks for the cache every in.dns of the store shares (docs/design.md, "The shared
  /// cache"), opened at the first question that is forwarded, so a process that answers only
  /// local names never maps it. A cache that cannot be had is logged once; questions are then
  /// forwarded every time.
  static func caching(name: String, bytes: Int, log: Log) -> ForwardingHooks {
    let opener = CacheOpener(name: name, bytes: bytes, log: log)
    var hooks = ForwardingHooks()
    hooks.cached = { query, transport in
      guard let cache = opener.cache, let key = query.cacheKey,
        let answer = cache.lookup(question: key, now: DNSCache.now())
      else { return nil }
      return query.reply(fromCached: answer, transport: transport)
    }
    hooks.insert = { query, answer in
      guard let cache = opener.cache, let key = query.cacheKey else { return }
      cache.insert(question: key, response: answer, now: DNSCache.now())
    }
    return hooks
  }
}

/// Opens the shared cache once, when first wanted.
private final class CacheOpener {
  private let name: String
  private let bytes: Int
  private let log: Log
  private var opened: DNSCache?
  private var tried = false

  init(name: String, bytes: Int, log: Log) {
    self.name = name
    self.bytes = bytes
    self.log = log
  }

  var cache: DNSCache? {
    if !tried {
      tried = true
      do throws(DNSCache.OpenError) {
        opened = try DNSCache.attach(name: name, creatingWith: bytes)
      } catch {
        log.warning("cache \(name): \(error.description); forwarding without a cache")
      }
    }
    return opened
  }
}
