/// A client's question on its way to an upstream server and back (RFC 5452's checks): the query
/// we send, whether an answer is the one we wait for, and the reply the client gets from it.
/// Bytes in, bytes out: the daemon owns the sockets.
public struct ForwardedQuery: Sendable {
  /// The client's ID, which its reply carries.
  public let clientID: UInt16
  /// The question as the client wrote it: name (uncompressed, its case kept), type, class.
  public let question: [UInt8]
  /// RD and CD as the client set them.
  let clientFlags: UInt16
  /// The client's EDNS payload size; nil when its query had no OPT.
  public let clientPayloadSize: Int?
  /// The client's DO bit (RFC 3225): DNSSEC records wanted.
  public let dnssecOK: Bool

  /// Checking disabled (RFC 4035 §3.2.2) goes upstream as the client set it.
  static let checkingDisabledFlag: UInt16 = 0x0010
  static let recursionAvailableFlag: UInt16 = 0x0080
  static let dnssecOKFlag: UInt32 = 0x8000

  /// The question of a query the responder decided to forward; nil for anything else (no
  /// single question, a response, a malformed message).
  public init?(query: ArraySlice<UInt8>) {
    guard query.count >= Header.length, query.uint16(at: Header.questionCountOffset) == 1 else { return nil }
    let flags = query.uint16(at: Header.flagsOffset)
    guard flags & (Header.responseFlag | Responder.opcodeMask) == 0 else { return nil }
    var question: [UInt8] = []
    do throws(MessageError) {
      let fieldsOffset = try DomainName.read(query, at: Header.length, into: &question)
      guard fieldsOffset + 4 <= query.count else { return nil }
      let fields = query.startIndex + fieldsOffset
      question.append(contentsOf: query[fields..<(fields + 4)])
      let edns = try EDNSRequest.find(in: query, after: fieldsOffset + 4)
      clientPayloadSize = edns?.payloadSize
      dnssecOK = edns?.dnssecOK ?? false
    } catch {
      return nil
    }
    clientID = query.uint16(at: 0)
    clientFlags = flags & (Header.recursionDesiredFlag | ForwardedQuery.checkingDisabledFlag)
    self.question = question
  }

  /// The query type, for logs and hooks.
  public var type: UInt16 { question.uint16(at: question.count - 4) }

  /// What goes upstream under `id`: the question as the client wrote it (its case is part of
  /// what the answer must echo), RD, the client's CD, and our EDNS with the client's DO bit, so
  /// the upstream may answer up to 1232 bytes over UDP and sends DNSSEC records only when asked.
  /// Without `edns`, the plain question, for a server that knows no EDNS (RFC 6891 §7).
  public func upstreamQuery(id: UInt16, edns: Bool = true) -> [UInt8] {
    var message: [UInt8] = []
    message.reserveCapacity(Header.length + question.count + Responder.optLength)
    message.appendUInt16(id)
    message.appendUInt16(Header.recursionDesiredFlag | clientFlags & ForwardedQuery.checkingDisabledFlag)
    message.appendUInt16(1)
    message.appendUInt16(0)
    message.appendUInt16(0)
    message.appendUInt16(edns ? 1 : 0)
    message.append(contentsOf: question)
    if edns { message.appendOPT(dnssecOK: dnssecOK) }
    return message
  }

  /// What an upstream's message is to the query sent as `id`.
  public enum Check: Equatable, Sendable {
    /// Our answer: pass it on.
    case accepted
    /// Our answer, cut short (TC): ask the same server over TCP.
    case truncated
    /// Our answer, but the server could not or would not answer (SERVFAIL, REFUSED, NOTIMP):
    /// ask the next server.
    case failed
    /// Our answer, FORMERR: what a server that knows no EDNS says to a query with an OPT
    /// (RFC 6891 §7). Ask it once more without; asked so already, as `failed`.
    case formatError
    /// Not our answer (another ID, not a response, another question, malformed): ignored, as
    /// a spoofed answer would be (RFC 5452 §9.1).
    case foreign
  }

  public func check(_ answer: ArraySlice<UInt8>, id: UInt16) -> Check {
    guard answer.count >= Header.length + question.count, answer.uint16(at: 0) == id else { return .foreign }
    let flags = answer.uint16(at: Header.flagsOffset)
    guard flags & Header.responseFlag != 0, flags & Responder.opcodeMask == 0,
      answer.uint16(at: Header.questionCountOffset) == 1
    else { return .foreign }
    let start = answer.startIndex + Header.length
    guard answer[start..<(start + question.count)].elementsEqual(question) else { return .foreign }
    if flags & Header.truncatedFlag != 0 { return .truncated }
    switch flags & 0x000F {
    case ResponseCode.formatError:
      return .formatError
    case ResponseCode.serverFailure, ResponseCode.refused, ResponseCode.notImplemented:
      return .failed
    default:
      return guestRecords(of: answer) == nil ? .foreign : .accepted
    }
  }

  /// The client's reply made from an accepted upstream answer: records, TTLs and RCODE as the
  /// upstream gave them, with the client's ID and RD, RA set, and our OPT in place of the
  /// upstream's (none when the client sent none). Too big for `transport`: the question alone, TC.
  public func reply(from answer: ArraySlice<UInt8>, transport: Transport) -> [UInt8] {
    guard let records = guestRecords(of: answer) else { return serverFailure() }
    var reply = Array(answer[answer.startIndex..<(answer.startIndex + records.optStart)])
    let upstreamFlags = answer.uint16(at: Header.flagsOffset)
    reply.setUInt16(clientID, at: 0)
    // Not AA: the answer is the upstream's, not ours. AD (0x0020) and CD pass through.
    let kept = 0x0020 | ForwardedQuery.checkingDisabledFlag | 0x000F
    reply.setUInt16(
      Header.responseFlag | upstreamFlags & kept | clientFlags & Header.recursionDesiredFlag
        | ForwardedQuery.recursionAvailableFlag, at: Header.flagsOffset)
    reply.setUInt16(UInt16(truncatingIfNeeded: records.additionalKept), at: Header.additionalCountOffset)
    let limit: Int
    switch transport {
    case .tcp: limit = Responder.maximumTCPMessage
    case .udp(let maximum): limit = min(maximum, clientPayloadSize ?? Responder.maximumPlainUDPMessage)
    }
    let optLength = clientPayloadSize == nil ? 0 : Responder.optLength
    if reply.count + optLength > limit {
      reply.removeSubrange((Header.length + question.count)...)
      for offset in [Header.answerCountOffset, Header.authorityCountOffset, Header.additionalCountOffset] {
        reply.setUInt16(0, at: offset)
      }
      reply.setUInt16(reply.uint16(at: Header.flagsOffset) | Header.truncatedFlag, at: Header.flagsOffset)
    }
    if clientPayloadSize != nil {
      reply.appendOPT(extendedCode: records.extendedCode, dnssecOK: records.dnssecOK)
      reply.setUInt16(reply.uint16(at: Header.additionalCountOffset) + 1, at: Header.additionalCountOffset)
    }
    return reply
  }

  /// SERVFAIL to the client: its question, RA set, our OPT if it sent one.
  public func serverFailure() -> [UInt8] {
    var reply: [UInt8] = []
    reply.appendUInt16(clientID)
    reply.appendUInt16(
      Header.responseFlag | clientFlags & Header.recursionDesiredFlag | ForwardedQuery.recursionAvailableFlag
        | ResponseCode.serverFailure)
    reply.appendUInt16(1)
    reply.appendUInt16(0)
    reply.appendUInt16(0)
    reply.appendUInt16(clientPayloadSize == nil ? 0 : 1)
    reply.append(contentsOf: question)
    if clientPayloadSize != nil { reply.appendOPT() }
    return reply
  }

  /// Where an answer's OPT starts (the records before it are kept, the OPT and anything after
  /// it in the additional section are dropped), how many additional records stay, and the
  /// OPT's extended RCODE and DO bit. Nil when the records do not parse.
  private func guestRecords(
    of answer: ArraySlice<UInt8>
  ) -> (optStart: Int, additionalKept: Int, extendedCode: UInt8, dnssecOK: Bool)? {
    // Shorter than its question as we wrote it (a compressed question, or cut short): not ours.
    guard answer.count >= Header.length + question.count else { return nil }
    let before = Int(answer.uint16(at: Header.answerCountOffset)) + Int(answer.uint16(at: Header.authorityCountOffset))
    let additional = Int(answer.uint16(at: Header.additionalCountOffset))
    var position = Header.length + question.count
    for index in 0..<(before + additional) {
      let owner = position
      guard let afterName = try? DomainName.skip(answer, at: position), afterName + 10 <= answer.count else {
        return nil
      }
      let type = answer.uint16(at: afterName)
      position = afterName + 10 + Int(answer.uint16(at: afterName + 8))
      guard position <= answer.count else { return nil }
      if type == RecordType.opt, index >= before {
        let ttl = answer.uint32(at: afterName + 4)
        return (owner, index - before, UInt8(truncatingIfNeeded: ttl >> 24), ttl & ForwardedQuery.dnssecOKFlag != 0)
      }
    }
    return (position, additional, 0, false)
  }
}
