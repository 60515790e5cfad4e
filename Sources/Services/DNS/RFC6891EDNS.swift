/// RFC 6891 (EDNS0): the OPT pseudo-record a query may carry in its additional section.
struct EDNSRequest: Equatable {
  /// The largest UDP reply the client accepts, floored at 512 (§6.2.5).
  var payloadSize: Int
  var version: UInt8
  /// The DO bit (RFC 3225): the client wants DNSSEC records.
  var dnssecOK = false

  /// The UDP payload size we advertise: the DNS flag day 2020 value, which avoids
  /// fragmentation on every common path.
  static let advertisedPayloadSize: UInt16 = 1232
  static let supportedVersion: UInt8 = 0
  /// Extended RCODE 16 (BADVERS): upper eight bits 1, lower four 0 (§6.1.3).
  static let badVersionExtendedCode: UInt8 = 1
  static let minimumPayloadSize = 512

  /// Steps over the answer and authority records of the message from `offset` (a query has
  /// none, but stepping over them costs nothing) and reads the additional section's OPT, if any.
  static func find(
    in message: ArraySlice<UInt8>, after offset: Int
  ) throws(MessageError) -> EDNSRequest? {
    let skipped = Int(message.uint16(at: Header.answerCountOffset))
      + Int(message.uint16(at: Header.authorityCountOffset))
    let additional = Int(message.uint16(at: Header.additionalCountOffset))
    var position = offset
    var request: EDNSRequest?
    for index in 0..<(skipped + additional) {
      let owner = position
      position = try DomainName.skip(message, at: position)
      guard position + 10 <= message.count else { throw .truncated(at: position) }
      let type = message.uint16(at: position)
      let payload = message.uint16(at: position + 2)
      let flags = message.uint32(at: position + 4)
      let dataLength = Int(message.uint16(at: position + 8))
      position += 10 + dataLength
      guard position <= message.count else { throw .truncated(at: owner) }
      guard type == RecordType.opt else { continue }
      guard index >= skipped, request == nil, message[message.startIndex + owner] == 0 else {
        throw .badOPT(at: owner)
      }
      request = EDNSRequest(
        payloadSize: max(Int(payload), minimumPayloadSize), version: UInt8(truncatingIfNeeded: flags >> 16),
        dnssecOK: flags & 0x8000 != 0)
    }
    return request
  }
}

extension [UInt8] {
  /// Appends our OPT record: root owner, our payload size, the extended RCODE, version 0, the
  /// DO bit, no options. The caller counts it in ARCOUNT.
  mutating func appendOPT(extendedCode: UInt8 = 0, dnssecOK: Bool = false) {
    let size = EDNSRequest.advertisedPayloadSize
    let record: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
      0, UInt8(RecordType.opt >> 8), UInt8(RecordType.opt & 0xFF), UInt8(size >> 8), UInt8(size & 0xFF),
      extendedCode, EDNSRequest.supportedVersion, dnssecOK ? 0x80 : 0, 0, 0, 0
    )
    Swift.withUnsafeBytes(of: record) { append(contentsOf: $0) }
  }
}
