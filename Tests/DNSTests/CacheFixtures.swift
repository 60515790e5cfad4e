@testable import DNS

/// Upstream answers as the cache sees them.
enum Upstream {
  static let cname: UInt16 = 5
  static let txt: UInt16 = 16

  /// A response (QR, RD, RA set) to `name`/`type` with these sections; `flags` adds to them.
  static func response(
    _ name: String, _ type: UInt16, code: UInt16 = ResponseCode.noError, flags: UInt16 = 0, answers: [[UInt8]] = [],
    authority: [[UInt8]] = [], additional: [[UInt8]] = [], id: UInt16 = 0xBEEF
  ) -> [UInt8] {
    var message = be(id) + be(0x8180 | flags | code) + be(1) + be(UInt16(answers.count))
    message += be(UInt16(authority.count)) + be(UInt16(additional.count))
    message += wire(name) + be(type) + be(1)
    for record in answers + authority + additional { message += record }
    return message
  }

  /// One record of class IN.
  static func record(_ name: String, _ type: UInt16, ttl: UInt32, data: [UInt8]) -> [UInt8] {
    wire(name) + be(type) + be(1) + be32(ttl) + be(UInt16(data.count)) + data
  }

  static func a(_ name: String, ttl: UInt32, _ last: UInt8 = 1) -> [UInt8] {
    record(name, QType.a, ttl: ttl, data: [192, 0, 2, last])
  }

  static func soa(_ zone: String, ttl: UInt32, minimum: UInt32) -> [UInt8] {
    let data = wire("ns." + zone) + wire("hostmaster." + zone) + be32(2024_010101) + be32(3600) + be32(600)
      + be32(86400) + be32(minimum)
    return record(zone, QType.soa, ttl: ttl, data: data)
  }

  /// An OPT record: payload 1232, DO as asked.
  static func opt(dnssecOK: Bool = false, extendedCode: UInt8 = 0) -> [UInt8] {
    [0] + be(41) + be(1232) + [extendedCode, 0, dnssecOK ? 0x80 : 0, 0] + be(0)
  }

  static func key(_ name: String, _ type: UInt16, dnssecOK: Bool = false, checkingDisabled: Bool = false) -> CacheKey {
    CacheKey(name: wire(name), type: type, recordClass: 1, dnssecOK: dnssecOK, checkingDisabled: checkingDisabled)!
  }

  /// The TTL of every record after the question, in order (OPT's flags word included).
  static func ttls(_ message: [UInt8]) -> [UInt32] {
    var ttls: [UInt32] = []
    let question = try! MessageRecords.question(of: message[...])
    try! MessageRecords.forEach(in: message[...], after: question.end) { ttls.append($0.ttl(in: message[...])) }
    return ttls
  }
}

func be32(_ value: UInt32) -> [UInt8] { be(UInt16(value >> 16)) + be(UInt16(value & 0xFFFF)) }
