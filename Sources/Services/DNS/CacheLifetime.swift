#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// How long an upstream's answer may be served from the cache, and its TTLs counted down when
/// it is: pure functions of the message bytes, so the storage (DNSCache) only files bytes.
enum CacheLifetime {
  /// A positive answer is kept at most a day, a negative one at most an hour (RFC 2308 §5
  /// suggests one to three hours; a household's typo fixed upstream should not wait long).
  static let positiveCap: Int64 = 86400
  static let negativeCap: Int64 = 3600

  /// The seconds `response` may be served for `key`, or nil when it must not be cached: it is
  /// not a complete answer to that question (truncated, another question, an opcode other than
  /// QUERY), its RCODE is not NOERROR or NXDOMAIN (SERVFAIL, REFUSED, FORMERR...), a record does
  /// not parse, a negative answer has no SOA (RFC 2308 §5), or the lifetime comes to 0.
  static func seconds(of response: ArraySlice<UInt8>, for key: CacheKey) -> Int64? {
    guard let question = try? MessageRecords.question(of: response),
      question.type == key.type, question.recordClass == key.recordClass,
      question.name.count == key.name.count, zip(question.name, key.name).allSatisfy({ ASCII.lower($0) == $1 })
    else { return nil }
    let flags = response.uint16(at: Header.flagsOffset)
    guard flags & Header.responseFlag != 0, flags & Header.truncatedFlag == 0, flags & Responder.opcodeMask == 0
    else { return nil }
    let code = flags & 0x000F
    guard code == ResponseCode.noError || code == ResponseCode.nameError else { return nil }

    var answers: Int64?
    var answersTheType = false
    var negative: Int64?
    var extendedCode = false
    var badSOA = false
    let walked: ()? = try? MessageRecords.forEach(in: response, after: question.end) { record in
      let ttl = timeToLive(record.ttl(in: response))
      switch (record.section, record.type) {
      case (.answer, _):
        answers = min(answers ?? ttl, ttl)
        if record.type == key.type || key.type == RecordType.any { answersTheType = true }
      case (.authority, RecordType.soa):
        // RFC 2308 §5: the SOA's own TTL or its MINIMUM field, whichever is less.
        guard let minimum = soaMinimum(record, in: response) else {
          badSOA = true
          return
        }
        negative = min(negative ?? Int64.max, min(ttl, timeToLive(minimum)))
      case (.additional, RecordType.opt):
        // The upper eight bits of the RCODE (BADVERS...) make it another answer than NOERROR.
        if response[response.startIndex + record.ttlOffset] != 0 { extendedCode = true }
      default:
        break
      }
    }
    guard walked != nil, !extendedCode, !badSOA else { return nil }
    let lifetime: Int64
    if code == ResponseCode.noError && answersTheType {
      lifetime = min(answers ?? 0, positiveCap)
    } else {
      // NXDOMAIN or NODATA (RFC 2308 §2.1, §2.2), a CNAME chain in front of it included.
      guard let negative else { return nil }
      lifetime = min(negative, answers ?? negative, negativeCap)
    }
    return lifetime > 0 ? lifetime : nil
  }

  /// Lowers every TTL of `response` but OPT's (whose TTL field holds flags) by `elapsed`
  /// seconds, stopping at 0. False when the message does not parse (it was checked when it was
  /// stored, so only a damaged cache gets there).
  static func countDown(_ response: inout [UInt8], by elapsed: Int64) -> Bool {
    guard elapsed > 0 else { return true }
    guard let question = try? MessageRecords.question(of: response[...]) else { return false }
    var offsets: [Int] = []
    let walked: ()? = try? MessageRecords.forEach(in: response[...], after: question.end) { record in
      if record.type != RecordType.opt { offsets.append(record.ttlOffset) }
    }
    guard walked != nil else { return false }
    for offset in offsets {
      let lowered = max(timeToLive(response[...].uint32(at: offset)) - elapsed, 0)
      response.setUInt16(UInt16(truncatingIfNeeded: lowered >> 16), at: offset)
      response.setUInt16(UInt16(truncatingIfNeeded: lowered), at: offset + 2)
    }
    return true
  }

  /// RFC 2181 §8: a TTL with the top bit set is taken as 0.
  static func timeToLive(_ field: UInt32) -> Int64 { field > 0x7FFF_FFFF ? 0 : Int64(field) }

  /// The MINIMUM field of a SOA record: the last of five 32-bit fields after two names, all
  /// inside its data. nil when the data is not that.
  static func soaMinimum(_ record: MessageRecords.Record, in message: ArraySlice<UInt8>) -> UInt32? {
    let end = record.dataOffset + record.dataLength
    guard let primary = try? DomainName.skip(message, at: record.dataOffset), primary < end,
      let mailbox = try? DomainName.skip(message, at: primary), mailbox + 20 == end
    else { return nil }
    return message.uint32(at: end - 4)
  }
}
