#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Building the stream from its tokens: the declaration, the stream header, each stanza from
/// its start tags, text and end tags.
extension XMLStreamParser {
  mutating func handleToken(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    try UTF8Check.validate(buffer, start, end)
    if buffer[start] != XMLByte.lt {
      if !open.isEmpty { appendText(try decodeText(start, end, attribute: false)) }
      return
    }
    switch buffer[start + 1] {
    case XMLByte.slash: try endTag(start + 2, end - 1, into: &events)
    case XMLByte.question: try declaration(start + 2, end - 2)
    case XMLByte.bang: appendText(String(decoding: normaliseLineEnds(start + XMLByte.cdataStart.count, end - 3), as: UTF8.self))
    default: try startTag(start + 1, end - 1, into: &events)
    }
  }

  mutating func appendText(_ text: String) {
    if text.isEmpty { return }
    let last = open.count - 1
    if case .text(var previous)? = open[last].element.children.last {
      // Taken out first so that the append happens in place: text and CDATA alternating
      // thousands of times must not copy the growing text each time.
      open[last].element.children.removeLast()
      previous += text
      open[last].element.children.append(.text(previous))
    } else {
      open[last].element.children.append(.text(text))
    }
  }

  /// `<?xml version='1.0' encoding='UTF-8'?>`, once, before the stream header.
  mutating func declaration(_ start: Int, _ end: Int) throws(XMLStreamError) {
    let xml: [UInt8] = [0x78, 0x6D, 0x6C]
    guard end - start > 3, Array(buffer[start..<start + 3]) == xml, XMLByte.isSpace(buffer[start + 3]) else {
      throw XMLStreamError(condition: "restricted-xml", text: "processing instruction")
    }
    if let value = pseudoAttribute("encoding", start, end),
      !ASCII.equalsIgnoringCase(value, "utf-8"), !ASCII.equalsIgnoringCase(value, "utf8")
    {
      throw XMLStreamError(condition: "unsupported-encoding", text: "the XML declaration names another encoding")
    }
    phase = .declared
  }

  /// The value of `name='...'` inside an XML declaration.
  func pseudoAttribute(_ name: String, _ start: Int, _ end: Int) -> ArraySlice<UInt8>? {
    let key = Array(name.utf8)
    var index = start
    while index + key.count <= end, !buffer[index..<index + key.count].elementsEqual(key) { index += 1 }
    guard index + key.count <= end else { return nil }
    index += key.count
    while index < end, XMLByte.isSpace(buffer[index]) || buffer[index] == XMLByte.equals { index += 1 }
    guard index < end, buffer[index] == XMLByte.quote || buffer[index] == XMLByte.apostrophe else { return nil }
    let quote = buffer[index]
    let valueStart = index + 1
    index = valueStart
    while index < end, buffer[index] != quote { index += 1 }
    return buffer[valueStart..<index]
  }

  mutating func startTag(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    var index = start
    let (qualifiedName, prefixed) = try name(&index, end)
    var raw: [RawAttribute] = []
    var selfClosing = false
    while index < end {
      let spaced = XMLByte.isSpace(buffer[index])
      while index < end, XMLByte.isSpace(buffer[index]) { index += 1 }
      if index == end { break }
      if buffer[index] == XMLByte.slash, index + 1 == end {
        selfClosing = true
        break
      }
      guard spaced else { throw notWellFormed("no space before an attribute") }
      let (attributeName, attributePrefixed) = try name(&index, end)
      while index < end, XMLByte.isSpace(buffer[index]) { index += 1 }
      guard index < end, buffer[index] == XMLByte.equals else { throw notWellFormed("attribute without a value") }
      index += 1
      while index < end, XMLByte.isSpace(buffer[index]) { index += 1 }
      guard index < end, buffer[index] == XMLByte.quote || buffer[index] == XMLByte.apostrophe else {
        throw notWellFormed("unquoted attribute value")
      }
      let quote = buffer[index]
      let valueStart = index + 1
      index = valueStart
      while index < end, buffer[index] != quote { index += 1 }
      guard index < end else { throw notWellFormed("unterminated attribute value") }
      raw.append(RawAttribute(name: attributeName, prefixed: attributePrefixed, value: try decodeText(valueStart, index, attribute: true)))
      index += 1
    }
    if phase != .stream, phase != .closed { return try streamHeader(qualifiedName, prefixed, raw, selfClosing, into: &events) }
    if phase == .closed { throw notWellFormed("an element after the stream was closed") }
    guard open.count + 2 <= maximumDepth else {
      throw XMLStreamError(condition: "policy-violation", text: "elements nested deeper than \(maximumDepth)")
    }
    let element = try resolve(qualifiedName, prefixed, raw)
    if open.isEmpty { stanzaStart = base + start - 1 }
    open.append(Open(qualifiedName: qualifiedName, element: element))
    if selfClosing { close(into: &events) }
  }

  mutating func streamHeader(
    _ qualifiedName: String, _ prefixed: Bool, _ raw: [RawAttribute], _ selfClosing: Bool,
    into events: inout [XMLStreamEvent]
  ) throws(XMLStreamError) {
    let element = try resolve(qualifiedName, prefixed, raw)
    guard element.name == "stream", element.namespace == XMLStreamParser.streamNamespace else {
      throw XMLStreamError(condition: "invalid-namespace", text: "the first element is not a stream header")
    }
    streamName = qualifiedName
    phase = .stream
    events.append(.streamOpen(element))
    if selfClosing { closeStream(into: &events) }
  }

  mutating func endTag(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    var index = start
    let (qualifiedName, _) = try name(&index, end)
    while index < end, XMLByte.isSpace(buffer[index]) { index += 1 }
    guard index == end else { throw notWellFormed("junk in an end tag") }
    guard let last = open.last else {
      guard phase == .stream, qualifiedName == streamName else { throw notWellFormed("an end tag that closes nothing open") }
      closeStream(into: &events)
      return
    }
    guard last.qualifiedName == qualifiedName else { throw notWellFormed("mismatched end tag") }
    close(into: &events)
  }

  mutating func close(into events: inout [XMLStreamEvent]) {
    let closed = open.removeLast().element
    bindings.removeSubrange(bindingMarks.removeLast()...)
    if open.isEmpty {
      stanzaStart = -1
      events.append(.stanza(closed))
    } else {
      open[open.count - 1].element.children.append(.element(closed))
    }
  }

  mutating func closeStream(into events: inout [XMLStreamEvent]) {
    bindings.removeSubrange(bindingMarks.removeLast()...)
    phase = .closed
    events.append(.streamClose)
  }
}
