/// Cutting the input into tokens: a tag, a run of text, a CDATA section. Each search goes on
/// where the last one stopped, so no byte is searched twice.
extension XMLStreamParser {
  /// The end (exclusive) of the token at `position`, or nil when more bytes are needed.
  mutating func tokenEnd() throws(XMLStreamError) -> Int? {
    let count = buffer.count
    if buffer[position] != XMLByte.lt {
      if open.isEmpty {
        // Between stanzas only whitespace may appear; it is consumed as it comes.
        var index = position
        while index < count, buffer[index] != XMLByte.lt {
          guard XMLByte.isSpace(buffer[index]) else {
            if phase == .stream { throw XMLStreamError(condition: "bad-format", text: "character data between stanzas") }
            throw notWellFormed("character data outside the stream element")
          }
          index += 1
        }
        return index
      }
      guard let index = find(XMLByte.lt, from: max(scanned, position + 1)) else {
        scanned = count
        return nil
      }
      return index
    }
    guard position + 1 < count else { return nil }
    switch buffer[position + 1] {
    case XMLByte.slash:
      return findEnd(XMLByte.gt, from: position + 2)
    case XMLByte.question:
      guard phase == .prolog else {
        throw early(XMLStreamError(condition: "restricted-xml", text: "processing instruction"), at: position + 1)
      }
      return findEnd(terminator: XMLByte.piEnd, from: position + 2)
    case XMLByte.bang:
      let marker = XMLByte.cdataStart
      var index = 0
      while index < marker.count, position + index < count {
        guard buffer[position + index] == marker[index] else {
          throw early(XMLStreamError(condition: "restricted-xml", text: "comment, DTD or declaration"), at: position + index)
        }
        index += 1
      }
      guard index == marker.count else { return nil }
      if open.isEmpty {
        if phase == .stream { throw XMLStreamError(condition: "bad-format", text: "CDATA between stanzas") }
        throw notWellFormed("CDATA outside the stream element")
      }
      return findEnd(terminator: XMLByte.cdataEnd, from: position + marker.count)
    default:
      return findStartTagEnd()
    }
  }

  /// An error found before its token is complete, decided by the byte at `index`. Had the
  /// bytes come one at a time, the size limit would have been checked after the byte before
  /// it: that check wins, so the error does not depend on the split.
  func early(_ error: XMLStreamError, at index: Int) -> XMLStreamError {
    let start = stanzaStart >= 0 ? stanzaStart : base + position
    return base + index - start > maximumStanzaBytes ? tooLong() : error
  }

  func find(_ byte: UInt8, from start: Int) -> Int? {
    buffer.withUnsafeBufferPointer { bytes in
      var index = start
      while index < bytes.count {
        if bytes[index] == byte { return index }
        index += 1
      }
      return nil
    }
  }

  mutating func findEnd(_ byte: UInt8, from start: Int) -> Int? {
    guard let index = find(byte, from: max(scanned, start)) else {
      scanned = buffer.count
      return nil
    }
    return index + 1
  }

  mutating func findEnd(terminator: [UInt8], from start: Int) -> Int? {
    let count = buffer.count
    var index = max(scanned, start)
    while index + terminator.count <= count {
      if buffer[index] == terminator[0] {
        var matched = 1
        while matched < terminator.count, buffer[index + matched] == terminator[matched] { matched += 1 }
        if matched == terminator.count { return index + terminator.count }
      }
      index += 1
    }
    scanned = max(start, count - terminator.count + 1)
    return nil
  }

  /// A start tag ends at the first `>` outside a quoted attribute value.
  mutating func findStartTagEnd() -> Int? {
    var quote = self.quote
    let found: Int? = buffer.withUnsafeBufferPointer { bytes in
      var index = max(scanned, position + 1)
      while index < bytes.count {
        let byte = bytes[index]
        if quote != 0 {
          if byte == quote { quote = 0 }
        } else if byte == XMLByte.gt {
          return index + 1
        } else if byte == XMLByte.quote || byte == XMLByte.apostrophe {
          quote = byte
        }
        index += 1
      }
      return nil
    }
    if found == nil {
      self.quote = quote
      scanned = buffer.count
    }
    return found
  }
}
