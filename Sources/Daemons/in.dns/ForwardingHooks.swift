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
