/// What a blocked name answers: NXDOMAIN, or the null address for A and AAAA (NODATA for the
/// other types), which some devices give up on sooner.
public enum BlockedAnswer: Sendable {
  case nxdomain
  case null
}

/// The block list as in.dns consults it for a name that is not local: the mapped index and the
/// answer the store's setting chose. Local names are answered before it is asked, so they
/// always win.
public struct BlockList {
  public var index: BlockIndex.Reader
  public var answer: BlockedAnswer

  public init(index: BlockIndex.Reader, answer: BlockedAnswer) {
    self.index = index
    self.answer = answer
  }

  /// Short, so that a name taken off the list works again within a minute.
  static let ttl: UInt32 = 60
  /// RA: the answer stands for a recursive lookup we did not need to make.
  static let recursionAvailableFlag: UInt16 = 0x0080

  /// Where the blocked name begins inside the question name at `name` of `reply` (see
  /// BlockIndex.Reader.blockedSuffix); nil when it is not blocked.
  public func blockedSuffix(_ reply: [UInt8], name: Range<Int>) -> Int? {
    index.blockedSuffix(reply, name)
  }

  /// Writes the answer to a blocked name after the question of `reply` (the name starts at
  /// byte 12, its blocked part `blockedAt` bytes in) and returns the RCODE. Not authoritative;
  /// RA set. The SOA of the blocked name goes along with NXDOMAIN and NODATA, so resolvers
  /// cache the negative answer for `ttl` seconds (RFC 2308).
  public func write(type: UInt16, blockedAt: Int, serverName: [UInt8], into reply: inout [UInt8]) -> UInt16 {
    reply.setUInt16(reply.uint16(at: Header.flagsOffset) | BlockList.recursionAvailableFlag, at: Header.flagsOffset)
    if answer == .null, type == RecordType.a || type == RecordType.aaaa || type == RecordType.any {
      var answers: UInt16 = 0
      if type != RecordType.aaaa {
        appendNull(RecordType.a, length: 4, into: &reply)
        answers += 1
      }
      if type != RecordType.a {
        appendNull(RecordType.aaaa, length: 16, into: &reply)
        answers += 1
      }
      reply.setUInt16(answers, at: Header.answerCountOffset)
      return ResponseCode.noError
    }
    Responder.appendSOA(apex: blockedAt, serverName: serverName, serial: 1, ttl: BlockList.ttl, into: &reply)
    reply.setUInt16(1, at: Header.authorityCountOffset)
    return answer == .null ? ResponseCode.noError : ResponseCode.nameError
  }

  private func appendNull(_ type: UInt16, length: Int, into reply: inout [UInt8]) {
    reply.appendUInt16(UInt16(DomainName.pointerBits) << 8 | UInt16(Header.length))
    reply.appendUInt16(type)
    reply.appendUInt16(RecordClass.internet)
    reply.appendUInt32(BlockList.ttl)
    reply.appendUInt16(UInt16(length))
    reply.append(contentsOf: [UInt8](repeating: 0, count: length))
  }
}
