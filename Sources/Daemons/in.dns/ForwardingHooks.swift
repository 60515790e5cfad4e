/// The two call points around forwarding that other parts of in.dns fill in; each does nothing
/// until then. They see only questions that are outside every local zone, from clients in the
/// allowed networks (local names are answered before, and always win).
struct ForwardingHooks {
  /// block list: dnsdata. The reply for a blocked name or a subdomain of one, made for the
  /// client and the transport (NXDOMAIN, or 0.0.0.0 / :: by the store's setting); nil: not blocked.
  var blocked: (ForwardedQuery, Transport) -> [UInt8]? = { _, _ in nil }
  /// cache: dnscache, lookup before forwarding. A fresh cached answer made into the client's
  /// reply (its ID, its question's case, TTLs counted down, fitted to the transport); nil: ask upstream.
  var cached: (ForwardedQuery, Transport) -> [UInt8]? = { _, _ in nil }
  /// cache: dnscache, insert after forwarding. An accepted upstream answer, as the upstream sent it.
  var insert: (ForwardedQuery, [UInt8]) -> Void = { _, _ in }
}
