/// How the reply travels, which bounds its size.
public enum Transport: Sendable {
  /// UDP; `maximum` is the largest datagram the caller can send. The reply also stays within
  /// 512 bytes, or the client's EDNS payload size when the query carries an OPT.
  case udp(maximum: Int)
  /// TCP: up to 65535 bytes, the most a length prefix can frame.
  case tcp
}

/// What the responder made of one query.
public enum ResponderOutcome: Equatable, Sendable {
  /// Send nothing: a response, or too short to carry a header.
  case drop
  /// Send the reply written.
  case reply
  /// A name outside every local zone, with recursion available: the forwarder answers it.
  case forward
}

/// Answers one query from a Zone: parse the question, look its name up once, write the reply.
/// With recursion available (in.dns forwards), names outside every local zone are left to the
/// forwarder and every reply but REFUSED carries RA; without it they are REFUSED.
public enum Responder {
  static let opcodeMask: UInt16 = 0x7800
  static let maximumTCPMessage = 65535
  static let maximumPlainUDPMessage = 512
  /// SOA timers for the local zones, in seconds.
  static let refresh: UInt32 = 3600
  static let retry: UInt32 = 600
  static let expire: UInt32 = 86400
  static let hostmasterLabel: [UInt8] = [10] + Array("hostmaster".utf8)

  /// The reply to one query message, or nil to drop it (it is a response, or too short to
  /// carry a header) or to forward it. Never traps on any input.
  public static func respond(
    to query: ArraySlice<UInt8>, zone: Zone, transport: Transport, recursionAvailable: Bool = false,
    blocks: BlockList? = nil
  ) -> [UInt8]? {
    var reply: [UInt8] = []
    let outcome = respond(
      to: query, zone: zone, transport: transport, recursionAvailable: recursionAvailable, blocks: blocks,
      into: &reply)
    return outcome == .reply ? reply : nil
  }

  /// The same, written into `reply` (emptied first, its capacity kept) so that a daemon can
  /// reuse one buffer for every query.
  public static func respond(
    to query: ArraySlice<UInt8>, zone: Zone, transport: Transport, recursionAvailable: Bool = false,
    blocks: BlockList? = nil, into reply: inout [UInt8]
  ) -> ResponderOutcome {
    reply.removeAll(keepingCapacity: true)
    guard query.count >= Header.length else { return .drop }
    let flags = query.uint16(at: Header.flagsOffset)
    guard flags & Header.responseFlag == 0 else { return .drop }
    let replyFlags = Header.responseFlag | flags & (opcodeMask | Header.recursionDesiredFlag)
    // One append for the ID, the flags and four zero counts: no padding in this tuple's layout.
    let header: (UInt8, UInt8, UInt8, UInt8, UInt32, UInt32) = (
      query[query.startIndex], query[query.startIndex + 1], UInt8(replyFlags >> 8), UInt8(replyFlags & 0xFF), 0, 0
    )
    withUnsafeBytes(of: header) { reply.append(contentsOf: $0) }
    if recursionAvailable { reply[Header.flagsOffset + 1] |= UInt8(ForwardedQuery.recursionAvailableFlag) }
    guard flags & opcodeMask == 0 else {
      setResponseCode(ResponseCode.notImplemented, authoritative: false, in: &reply)
      return .reply
    }
    guard query.uint16(at: Header.questionCountOffset) == 1 else {
      setResponseCode(ResponseCode.formatError, authoritative: false, in: &reply)
      return .reply
    }

    let type: UInt16
    let recordClass: UInt16
    let questionFieldsOffset: Int
    let edns: EDNSRequest?
    do throws(MessageError) {
      questionFieldsOffset = try DomainName.read(query, at: Header.length, into: &reply)
      guard questionFieldsOffset + 4 <= query.count else { throw .truncated(at: questionFieldsOffset) }
      type = query.uint16(at: questionFieldsOffset)
      recordClass = query.uint16(at: questionFieldsOffset + 2)
      edns = try EDNSRequest.find(in: query, after: questionFieldsOffset + 4)
    } catch {
      reply.removeSubrange(Header.length...)
      setResponseCode(ResponseCode.formatError, authoritative: false, in: &reply)
      return .reply
    }
    let name = Header.length..<reply.count
    let typeAndClass = query.startIndex + questionFieldsOffset
    reply.append(contentsOf: query[typeAndClass..<(typeAndClass + 4)])
    reply.setUInt16(1, at: Header.questionCountOffset)
    let questionEnd = reply.count

    if let edns, edns.version != EDNSRequest.supportedVersion {
      reply.appendOPT(extendedCode: EDNSRequest.badVersionExtendedCode)
      reply.setUInt16(1, at: Header.additionalCountOffset)
      return .reply
    }
    let (code, authoritative) = writeAnswer(
      name: name, type: type, recordClass: recordClass, zone: zone, blocks: blocks, into: &reply)
    if code == ResponseCode.refused {
      if recursionAvailable && recordClass == RecordClass.internet && type != RecordType.axfr && type != RecordType.ixfr {
        return .forward
      }
      reply[Header.flagsOffset + 1] &= ~UInt8(ForwardedQuery.recursionAvailableFlag)
    }
    setResponseCode(code, authoritative: authoritative, in: &reply)

    let limit: Int
    switch transport {
    case .tcp: limit = maximumTCPMessage
    case .udp(let maximum): limit = min(maximum, edns?.payloadSize ?? maximumPlainUDPMessage)
    }
    if reply.count + (edns == nil ? 0 : optLength) > limit {
      reply.removeSubrange(questionEnd...)
      reply.setUInt16(0, at: Header.answerCountOffset)
      reply.setUInt16(0, at: Header.authorityCountOffset)
      reply.setUInt16(reply.uint16(at: Header.flagsOffset) | Header.truncatedFlag, at: Header.flagsOffset)
    }
    if edns != nil {
      reply.appendOPT()
      reply.setUInt16(1, at: Header.additionalCountOffset)
    }
    return .reply
  }

  /// The reply when the data cannot be read (a broken store): the question back with SERVFAIL;
  /// a query that is wrong whatever the data gets what it always gets (FORMERR, NOTIMP); nil
  /// to drop it.
  public static func serverFailure(to query: ArraySlice<UInt8>) -> [UInt8]? {
    guard var reply = respond(to: query, zone: Zone(localDomains: [], serverName: "invalid"), transport: .tcp)
    else { return nil }
    guard reply.uint16(at: Header.flagsOffset) & 0x000F == ResponseCode.refused else { return reply }
    ResponseRateLimit.truncate(&reply)
    let flags = reply.uint16(at: Header.flagsOffset) & ~(0x000F | Header.truncatedFlag)
    reply.setUInt16(flags | ResponseCode.serverFailure, at: Header.flagsOffset)
    return reply
  }

  /// Where the question of a reply this responder wrote ends: its name is uncompressed.
  static func questionEnd(_ reply: [UInt8]) -> Int {
    guard reply.uint16(at: Header.questionCountOffset) == 1 else { return Header.length }
    var position = Header.length
    while position < reply.count, reply[position] != 0 { position += 1 + Int(reply[position]) }
    return min(position + 5, reply.count)
  }

  /// Root owner, type, class, TTL, RDLENGTH.
  static let optLength = 11

  private static func setResponseCode(_ code: UInt16, authoritative: Bool, in reply: inout [UInt8]) {
    var flags = reply.uint16(at: Header.flagsOffset) | code
    if authoritative { flags |= Header.authoritativeFlag }
    reply.setUInt16(flags, at: Header.flagsOffset)
  }

  /// Writes the answer and authority sections after the question and returns the RCODE and
  /// whether the answer is ours (AA).
  private static func writeAnswer(
    name: Range<Int>, type: UInt16, recordClass: UInt16, zone: Zone, blocks: BlockList?,
    into reply: inout [UInt8]
  ) -> (code: UInt16, authoritative: Bool) {
    guard recordClass == RecordClass.internet, type != RecordType.axfr, type != RecordType.ixfr else {
      return (ResponseCode.refused, false)
    }
    var answers = 0
    let found = zone.names.find(reply, name)
    if let found {
      if type == RecordType.a || type == RecordType.any {
        reply.append(contentsOf: zone.names.entries[found].ipv4.bytes)
        answers += zone.names.entries[found].ipv4.count
      }
      if type == RecordType.aaaa || type == RecordType.any {
        reply.append(contentsOf: zone.names.entries[found].ipv6.bytes)
        answers += zone.names.entries[found].ipv6.count
      }
      if type == RecordType.ptr || type == RecordType.any {
        reply.append(contentsOf: zone.names.entries[found].pointer.bytes)
        answers += zone.names.entries[found].pointer.count
      }
    }
    let asksApex = type == RecordType.soa || type == RecordType.ns || type == RecordType.any
    let enclosing = answers == 0 || asksApex ? zone.enclosingZone(reply, name) : nil
    if asksApex, enclosing == 0 {
      if type != RecordType.ns {
        appendSOA(apex: 0, serverName: zone.serverNameWire, serial: zone.serial, ttl: zone.ttl, into: &reply)
        answers += 1
      }
      if type != RecordType.soa {
        reply.appendRecord(RecordType.ns, ttl: zone.ttl, rdata: zone.serverNameWire)
        answers += 1
      }
    }
    if answers > 0 {
      reply.setUInt16(UInt16(truncatingIfNeeded: answers), at: Header.answerCountOffset)
      return (ResponseCode.noError, true)
    }
    if let enclosing {
      appendSOA(apex: enclosing, serverName: zone.serverNameWire, serial: zone.serial, ttl: zone.ttl, into: &reply)
      reply.setUInt16(1, at: Header.authorityCountOffset)
      return (found != nil || enclosing == 0 ? ResponseCode.noError : ResponseCode.nameError, true)
    }
    if let found, !zone.names.entries[found].isEmpty {
      // A known name outside every local zone: NODATA, with no zone whose SOA could go along.
      return (ResponseCode.noError, true)
    }
    if let blocks, let blockedAt = blocks.blockedSuffix(reply, name: name) {
      return (blocks.write(type: type, blockedAt: blockedAt, serverName: zone.serverNameWire, into: &reply), false)
    }
    return (ResponseCode.refused, false)
  }

  /// The SOA of the zone whose apex starts `apex` bytes into the question name; its owner and
  /// RNAME point into the question. TTL is also the MINIMUM, the negative-caching time.
  static func appendSOA(apex: Int, serverName: [UInt8], serial: UInt32, ttl: UInt32, into reply: inout [UInt8]) {
    let apexPointer = UInt16(DomainName.pointerBits) << 8 | UInt16(Header.length + apex)
    reply.appendUInt16(apexPointer)
    reply.appendUInt16(RecordType.soa)
    reply.appendUInt16(RecordClass.internet)
    reply.appendUInt32(ttl)
    reply.appendUInt16(UInt16(serverName.count + hostmasterLabel.count + 2 + 20))
    reply.append(contentsOf: serverName)
    reply.append(contentsOf: hostmasterLabel)
    reply.appendUInt16(apexPointer)
    reply.appendUInt32(serial)
    reply.appendUInt32(refresh)
    reply.appendUInt32(retry)
    reply.appendUInt32(expire)
    reply.appendUInt32(ttl)
  }
}

extension [UInt8] {
  /// Appends a record owned by the question name (a pointer to offset 12).
  fileprivate mutating func appendRecord(_ type: UInt16, ttl: UInt32, rdata: [UInt8]) {
    appendUInt16(UInt16(DomainName.pointerBits) << 8 | UInt16(Header.length))
    appendUInt16(type)
    appendUInt16(RecordClass.internet)
    appendUInt32(ttl)
    appendUInt16(UInt16(truncatingIfNeeded: rdata.count))
    append(contentsOf: rdata)
  }
}
