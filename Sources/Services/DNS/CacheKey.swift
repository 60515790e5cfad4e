#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// What a cached answer is filed under: the question (the name in lowercase wire format, RFC
/// 4343, its type and class) and the two bits that change what an upstream answers: DO (DNSSEC
/// records wanted, RFC 3225) and CD (checking disabled, RFC 4035 §3.2.2).
public struct CacheKey: Equatable, Sendable {
  public let name: [UInt8]
  public let type: UInt16
  public let recordClass: UInt16
  public let dnssecOK: Bool
  public let checkingDisabled: Bool

  static let checkingDisabledFlag: UInt16 = 0x0010
  /// DO: the top bit of the flags in an OPT record's TTL field (RFC 6891 §6.1.3).
  static let dnssecOKFlag: UInt32 = 0x8000

  /// nil when `name` is not a well-formed uncompressed wire name.
  public init?(name: [UInt8], type: UInt16, recordClass: UInt16, dnssecOK: Bool, checkingDisabled: Bool) {
    var lowered: [UInt8] = []
    guard (try? DomainName.read(name[...], at: 0, into: &lowered)) == name.count else { return nil }
    self.name = lowered.map(ASCII.lower)
    self.type = type
    self.recordClass = recordClass
    self.dnssecOK = dnssecOK
    self.checkingDisabled = checkingDisabled
  }

  /// The key of a query (or of the response to one): its one question, the CD bit of its
  /// header and the DO bit of its OPT record. nil when the message does not parse.
  public init?(message: ArraySlice<UInt8>) {
    guard let question = try? MessageRecords.question(of: message) else { return nil }
    var dnssecOK = false
    let walked: ()? = try? MessageRecords.forEach(in: message, after: question.end) { record in
      if record.type == RecordType.opt {
        dnssecOK = message.uint32(at: record.ttlOffset) & CacheKey.dnssecOKFlag != 0
      }
    }
    guard walked != nil else { return nil }
    let flags = message.uint16(at: Header.flagsOffset)
    self.init(
      name: question.name, type: question.type, recordClass: question.recordClass, dnssecOK: dnssecOK,
      checkingDisabled: flags & CacheKey.checkingDisabledFlag != 0)
  }

  /// The bytes the storage compares: the name, type, class and a byte of the two bits.
  var bytes: [UInt8] {
    var bytes = name
    bytes.appendUInt16(type)
    bytes.appendUInt16(recordClass)
    bytes.append((dnssecOK ? 1 : 0) | (checkingDisabled ? 2 : 0))
    return bytes
  }
}

/// The records of a message, for reading and for changing their TTLs in place. Every read is
/// bounds-checked; a message that does not parse throws, and is then neither cached nor served.
enum MessageRecords {
  struct Question {
    /// Uncompressed, in the case it was sent.
    var name: [UInt8]
    var type: UInt16
    var recordClass: UInt16
    /// The offset just past the question.
    var end: Int
  }

  struct Record {
    enum Section { case answer, authority, additional }
    var section: Section
    var type: UInt16
    var recordClass: UInt16
    /// Offsets from the start of the message.
    var ttlOffset: Int
    var dataOffset: Int
    var dataLength: Int

    func ttl(in message: ArraySlice<UInt8>) -> UInt32 { message.uint32(at: ttlOffset) }
  }

  /// The one question of a message with exactly one.
  static func question(of message: ArraySlice<UInt8>) throws(MessageError) -> Question {
    guard message.count >= Header.length else { throw .truncated(at: 0) }
    guard message.uint16(at: Header.questionCountOffset) == 1 else { throw .truncated(at: Header.questionCountOffset) }
    var name: [UInt8] = []
    let fields = try DomainName.read(message, at: Header.length, into: &name)
    guard fields + 4 <= message.count else { throw .truncated(at: fields) }
    return Question(
      name: name, type: message.uint16(at: fields), recordClass: message.uint16(at: fields + 2), end: fields + 4)
  }

  /// Calls `body` with every record from `offset` (the end of the question section) in order,
  /// as many as the header counts.
  static func forEach(
    in message: ArraySlice<UInt8>, after offset: Int, _ body: (Record) -> Void
  ) throws(MessageError) {
    let counts = [
      (Record.Section.answer, message.uint16(at: Header.answerCountOffset)),
      (.authority, message.uint16(at: Header.authorityCountOffset)),
      (.additional, message.uint16(at: Header.additionalCountOffset)),
    ]
    var position = offset
    for (section, count) in counts {
      for _ in 0..<count {
        let owner = position
        position = try DomainName.skip(message, at: position)
        guard position + 10 <= message.count else { throw .truncated(at: owner) }
        let dataLength = Int(message.uint16(at: position + 8))
        let record = Record(
          section: section, type: message.uint16(at: position), recordClass: message.uint16(at: position + 2),
          ttlOffset: position + 4, dataOffset: position + 10, dataLength: dataLength)
        position += 10 + dataLength
        guard position <= message.count else { throw .truncated(at: owner) }
        body(record)
      }
    }
    guard position == message.count else { throw .truncated(at: position) }
  }
}
