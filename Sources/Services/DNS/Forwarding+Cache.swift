#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// A forwarded question and the shared cache (DNSCache): the key its answers are filed under,
/// and the client's reply made from a cached answer.
extension ForwardedQuery {
  /// The question's key: its name in lowercase, type, class, and the client's DO and CD bits.
  public var cacheKey: CacheKey? {
    CacheKey(
      name: Array(question.dropLast(4)), type: type, recordClass: question.uint16(at: question.count - 2),
      dnssecOK: dnssecOK, checkingDisabled: clientFlags & ForwardedQuery.checkingDisabledFlag != 0)
  }

  /// The client's reply from a cached upstream answer, as `reply(from:transport:)` makes it from
  /// a fresh one, with the question as this client wrote it: the cache keeps the case of the
  /// first client that asked, and a client may check the case it sent (RFC 5452 §9.3, "0x20").
  /// nil when the cached answer is not for this question.
  public func reply(fromCached answer: [UInt8], transport: Transport) -> [UInt8]? {
    let end = Header.length + question.count
    guard answer.count >= end,
      answer[Header.length..<end].elementsEqual(question, by: { ASCII.lower($0) == ASCII.lower($1) })
    else { return nil }
    var answer = answer
    answer.replaceSubrange(Header.length..<end, with: question)
    return reply(from: answer[...], transport: transport)
  }
}
