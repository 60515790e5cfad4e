/// The XML stream of RFC 6120 §4, read incrementally: `<stream:stream>` opens it, each
/// top-level child is a stanza, `</stream:stream>` closes it.
///
/// Bytes may arrive in any split; the events and the error are the same for every split,
/// because input is cut into tokens (a tag, a run of text, a CDATA section) at ASCII
/// delimiters and each check is made on a complete token or on a length that only grows.
/// When a feed throws, the events that the same feed completed before the error are lost: the
/// stream is over anyway.
///
/// Decisions (RFC 6120 §11 restricts XML; XML 1.0 and Namespaces in XML 1.0 decide the rest):
/// - Refused as restricted-xml (§11.1): comments, processing instructions other than one
///   `<?xml ...?>` before the stream header, DTDs and any other `<!` markup except CDATA,
///   entity references other than the five predefined ones.
/// - Refused as not-well-formed: bad names, mismatched or duplicate tags and attributes, `<` in
///   an attribute value, character references to non-XML characters, control characters, an
///   unbound prefix, a declaration binding a prefix to "" or rebinding xml/xmlns, anything but
///   whitespace after the stream is closed.
/// - unsupported-encoding: bytes that are not UTF-8, an XML declaration naming another encoding.
/// - invalid-namespace: a first element that is not `stream` in http://etherx.jabber.org/streams.
/// - bad-format: character data or CDATA between stanzas other than whitespace (whitespace
///   keepalives are skipped at once and never buffered).
/// - policy-violation: a stanza longer than `maximumStanzaBytes` (counted from its `<` to its
///   last `>`; the stream header counts as a stanza), an element deeper than `maximumDepth`
///   (the stream element is depth 1, a stanza depth 2), more than 64 namespace declarations in
///   scope.
/// - After an error, every later feed throws it again.
/// - Stanzas with no `xmlns` are in the stream's default namespace, jabber:client if the
///   stream header declares none.
/// - Line ends are normalised (CR LF and CR become LF), and whitespace in attribute values
///   becomes spaces (XML 1.0 §2.11, §3.3.3); adjacent text and CDATA become one text node.
public struct XMLStreamParser {
  public let maximumStanzaBytes: Int
  public let maximumDepth: Int

  private enum Phase {
    case prolog, declared, stream, closed
  }

  private struct Open {
    var qualifiedName: String
    var element: XMLElement
  }

  private struct Binding {
    var prefix: String
    var uri: String
  }

  private var phase = Phase.prolog
  private var buffer: [UInt8] = []
  /// Start of the token being read.
  private var position = 0
  /// How far the token has been searched for its end (so no byte is searched twice).
  private var scanned = 0
  /// Inside a quoted attribute value while searching a start tag for its `>`: the quote.
  private var quote: UInt8 = 0
  /// Stream offset of buffer[0].
  private var base = 0
  /// Stream offset of the current stanza's `<`, or -1 between stanzas.
  private var stanzaStart = -1
  private var streamName = ""
  private var open: [Open] = []
  private var bindings: [Binding] = XMLStreamParser.initialBindings
  /// bindings.count before each open element's declarations (the stream element first).
  private var bindingMarks: [Int] = []
  private var failure: XMLStreamError?

  private static let retainedCapacity = 16384
  private static let maximumBindings = 64
  public static let streamNamespace = "http://etherx.jabber.org/streams"
  static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
  private static let initialBindings = [
    Binding(prefix: "xml", uri: xmlNamespace), Binding(prefix: "", uri: "jabber:client"),
  ]

  public init(maximumStanzaBytes: Int = 262_144, maximumDepth: Int = 32) {
    self.maximumStanzaBytes = maximumStanzaBytes
    self.maximumDepth = maximumDepth
  }

  /// Bytes received but not yet part of a complete token.
  public var bufferedCount: Int { buffer.count - position }

  /// The memory the input buffer holds on to.
  public var bufferCapacity: Int { buffer.capacity }

  /// A stream restart (RFC 6120 §6.4.6, §4.3.3): forgets the stream and expects a new header.
  /// Bytes already received after the last event are kept.
  public mutating func restart() {
    phase = .prolog
    open = []
    bindings = XMLStreamParser.initialBindings
    bindingMarks = []
    stanzaStart = -1
    streamName = ""
    scanned = position
    quote = 0
  }

  /// The events the bytes complete. After an error every later feed throws it again.
  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(XMLStreamError) -> [XMLStreamEvent] {
    if let failure { throw failure }
    do {
      return try parse(bytes)
    } catch {
      failure = error
      throw error
    }
  }

  private mutating func parse(_ bytes: ArraySlice<UInt8>) throws(XMLStreamError) -> [XMLStreamEvent] {
    buffer.append(contentsOf: bytes)
    var events: [XMLStreamEvent] = []
    while position < buffer.count, let end = try tokenEnd() {
      // Whitespace between stanzas is consumed as it comes, so it is never counted.
      let start = stanzaStart >= 0 ? stanzaStart : base + position
      if buffer[position] == ASCII.lt || !open.isEmpty, base + end - start > maximumStanzaBytes { throw tooLong() }
      try handleToken(position, end, into: &events)
      position = end
      scanned = end
      quote = 0
    }
    let start = stanzaStart >= 0 ? stanzaStart : base + position
    if base + buffer.count - start > maximumStanzaBytes { throw tooLong() }
    if position > 0 {
      buffer.removeSubrange(0..<position)
      base += position
      scanned -= position
      position = 0
    }
    if buffer.capacity > XMLStreamParser.retainedCapacity, buffer.count <= XMLStreamParser.retainedCapacity / 4 {
      // One big stanza must not leave its buffer behind for the rest of a long session.
      var smaller: [UInt8] = []
      smaller.reserveCapacity(buffer.count)
      smaller.append(contentsOf: buffer)
      buffer = smaller
    }
    return events
  }

  private func tooLong() -> XMLStreamError {
    XMLStreamError(condition: "policy-violation", text: "stanza longer than \(maximumStanzaBytes) bytes")
  }

  // MARK: - Cutting tokens

  /// The end (exclusive) of the token at `position`, or nil when more bytes are needed.
  private mutating func tokenEnd() throws(XMLStreamError) -> Int? {
    let count = buffer.count
    if buffer[position] != ASCII.lt {
      if open.isEmpty {
        // Between stanzas only whitespace may appear; it is consumed as it comes.
        var index = position
        while index < count, buffer[index] != ASCII.lt {
          guard ASCII.isSpace(buffer[index]) else {
            if phase == .stream { throw XMLStreamError(condition: "bad-format", text: "character data between stanzas") }
            throw notWellFormed("character data outside the stream element")
          }
          index += 1
        }
        return index
      }
      guard let index = find(ASCII.lt, from: max(scanned, position + 1)) else {
        scanned = count
        return nil
      }
      return index
    }
    guard position + 1 < count else { return nil }
    switch buffer[position + 1] {
    case ASCII.slash:
      return findEnd(ASCII.gt, from: position + 2)
    case ASCII.question:
      guard phase == .prolog else {
        throw early(XMLStreamError(condition: "restricted-xml", text: "processing instruction"), at: position + 1)
      }
      return findEnd(terminator: ASCII.piEnd, from: position + 2)
    case ASCII.bang:
      let marker = ASCII.cdataStart
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
      return findEnd(terminator: ASCII.cdataEnd, from: position + marker.count)
    default:
      return findStartTagEnd()
    }
  }

  /// An error found before its token is complete, decided by the byte at `index`. Had the
  /// bytes come one at a time, the size limit would have been checked after the byte before
  /// it: that check wins, so the error does not depend on the split.
  private func early(_ error: XMLStreamError, at index: Int) -> XMLStreamError {
    let start = stanzaStart >= 0 ? stanzaStart : base + position
    return base + index - start > maximumStanzaBytes ? tooLong() : error
  }

  private func find(_ byte: UInt8, from start: Int) -> Int? {
    buffer.withUnsafeBufferPointer { bytes in
      var index = start
      while index < bytes.count {
        if bytes[index] == byte { return index }
        index += 1
      }
      return nil
    }
  }

  private mutating func findEnd(_ byte: UInt8, from start: Int) -> Int? {
    guard let index = find(byte, from: max(scanned, start)) else {
      scanned = buffer.count
      return nil
    }
    return index + 1
  }

  private mutating func findEnd(terminator: [UInt8], from start: Int) -> Int? {
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
  private mutating func findStartTagEnd() -> Int? {
    var quote = self.quote
    let found: Int? = buffer.withUnsafeBufferPointer { bytes in
      var index = max(scanned, position + 1)
      while index < bytes.count {
        let byte = bytes[index]
        if quote != 0 {
          if byte == quote { quote = 0 }
        } else if byte == ASCII.gt {
          return index + 1
        } else if byte == ASCII.quote || byte == ASCII.apostrophe {
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

  // MARK: - Handling tokens

  private mutating func handleToken(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    try UTF8Check.validate(buffer, start, end)
    if buffer[start] != ASCII.lt {
      if !open.isEmpty { appendText(try decodeText(start, end, attribute: false)) }
      return
    }
    switch buffer[start + 1] {
    case ASCII.slash: try endTag(start + 2, end - 1, into: &events)
    case ASCII.question: try declaration(start + 2, end - 2)
    case ASCII.bang: appendText(String(decoding: normaliseLineEnds(start + ASCII.cdataStart.count, end - 3), as: UTF8.self))
    default: try startTag(start + 1, end - 1, into: &events)
    }
  }

  private mutating func appendText(_ text: String) {
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
  private mutating func declaration(_ start: Int, _ end: Int) throws(XMLStreamError) {
    let xml: [UInt8] = [0x78, 0x6D, 0x6C]
    guard end - start > 3, Array(buffer[start..<start + 3]) == xml, ASCII.isSpace(buffer[start + 3]) else {
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
  private func pseudoAttribute(_ name: String, _ start: Int, _ end: Int) -> ArraySlice<UInt8>? {
    let key = Array(name.utf8)
    var index = start
    while index + key.count <= end, !buffer[index..<index + key.count].elementsEqual(key) { index += 1 }
    guard index + key.count <= end else { return nil }
    index += key.count
    while index < end, ASCII.isSpace(buffer[index]) || buffer[index] == ASCII.equals { index += 1 }
    guard index < end, buffer[index] == ASCII.quote || buffer[index] == ASCII.apostrophe else { return nil }
    let quote = buffer[index]
    let valueStart = index + 1
    index = valueStart
    while index < end, buffer[index] != quote { index += 1 }
    return buffer[valueStart..<index]
  }

  private mutating func startTag(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    var index = start
    let (qualifiedName, prefixed) = try name(&index, end)
    var raw: [RawAttribute] = []
    var selfClosing = false
    while index < end {
      let spaced = ASCII.isSpace(buffer[index])
      while index < end, ASCII.isSpace(buffer[index]) { index += 1 }
      if index == end { break }
      if buffer[index] == ASCII.slash, index + 1 == end {
        selfClosing = true
        break
      }
      guard spaced else { throw notWellFormed("no space before an attribute") }
      let (attributeName, attributePrefixed) = try name(&index, end)
      while index < end, ASCII.isSpace(buffer[index]) { index += 1 }
      guard index < end, buffer[index] == ASCII.equals else { throw notWellFormed("attribute without a value") }
      index += 1
      while index < end, ASCII.isSpace(buffer[index]) { index += 1 }
      guard index < end, buffer[index] == ASCII.quote || buffer[index] == ASCII.apostrophe else {
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

  private mutating func streamHeader(
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

  private mutating func endTag(_ start: Int, _ end: Int, into events: inout [XMLStreamEvent]) throws(XMLStreamError) {
    var index = start
    let (qualifiedName, _) = try name(&index, end)
    while index < end, ASCII.isSpace(buffer[index]) { index += 1 }
    guard index == end else { throw notWellFormed("junk in an end tag") }
    guard let last = open.last else {
      guard phase == .stream, qualifiedName == streamName else { throw notWellFormed("an end tag that closes nothing open") }
      closeStream(into: &events)
      return
    }
    guard last.qualifiedName == qualifiedName else { throw notWellFormed("mismatched end tag") }
    close(into: &events)
  }

  private mutating func close(into events: inout [XMLStreamEvent]) {
    let closed = open.removeLast().element
    bindings.removeSubrange(bindingMarks.removeLast()...)
    if open.isEmpty {
      stanzaStart = -1
      events.append(.stanza(closed))
    } else {
      open[open.count - 1].element.children.append(.element(closed))
    }
  }

  private mutating func closeStream(into events: inout [XMLStreamEvent]) {
    bindings.removeSubrange(bindingMarks.removeLast()...)
    phase = .closed
    events.append(.streamClose)
  }

  // MARK: - Names and namespaces

  /// An XML Name (ASCII checked exactly; any non-ASCII character accepted as a name
  /// character), and whether it holds a colon (only then is it split into prefix and local name).
  private func name(_ index: inout Int, _ end: Int) throws(XMLStreamError) -> (String, Bool) {
    let start = index
    guard index < end, ASCII.isNameStart(buffer[index]) else { throw notWellFormed("a bad name") }
    var colon = buffer[index] == ASCII.colon
    index += 1
    while index < end, ASCII.isNameByte(buffer[index]) {
      colon = colon || buffer[index] == ASCII.colon
      index += 1
    }
    return (String(decoding: buffer[start..<index], as: UTF8.self), colon)
  }

  private struct RawAttribute {
    var name: String
    var prefixed: Bool
    var value: String
  }

  /// Pushes the element's namespace declarations and resolves its name and attributes.
  private mutating func resolve(_ qualifiedName: String, _ prefixed: Bool, _ raw: [RawAttribute]) throws(XMLStreamError) -> XMLElement {
    bindingMarks.append(bindings.count)
    var attributes: [XMLAttribute] = []
    attributes.reserveCapacity(raw.count)
    var prefixedAttributes = false
    for attribute in raw {
      let name = attribute.name
      let value = attribute.value
      if !attribute.prefixed {
        if name == "xmlns" {
          bindings.append(Binding(prefix: "", uri: value))
        } else {
          attributes.append(XMLAttribute(name: name, value: value))
        }
      } else if name.utf8.starts(with: "xmlns:".utf8) {
        let prefix = String(name.utf8.dropFirst(6))!
        let fixed = (prefix == "xml") == (value == XMLStreamParser.xmlNamespace)
        guard !value.isEmpty, prefix != "xmlns", fixed, value != "http://www.w3.org/2000/xmlns/" else {
          throw notWellFormed("a forbidden namespace declaration")
        }
        bindings.append(Binding(prefix: prefix, uri: value))
      } else {
        prefixedAttributes = true
        attributes.append(XMLAttribute(name: name, value: value))
      }
    }
    guard bindings.count <= XMLStreamParser.maximumBindings else {
      // Every prefix lookup walks the declarations in scope: their number stays small.
      throw XMLStreamError(condition: "policy-violation", text: "more than \(XMLStreamParser.maximumBindings) namespace declarations in scope")
    }
    let (prefix, local) = prefixed ? try split(qualifiedName) : (nil, qualifiedName)
    let namespace = try lookup(prefix ?? "")
    if prefixedAttributes {
      for index in attributes.indices {
        let (prefix, _) = try split(attributes[index].name)
        if let prefix { attributes[index].namespace = try lookup(prefix) }
      }
    }
    try checkUnique(attributes)
    return XMLElement(name: local, namespace: namespace, attributes: attributes)
  }

  private func split(_ qualifiedName: String) throws(XMLStreamError) -> (prefix: String?, local: String) {
    let utf8 = qualifiedName.utf8
    guard let colon = utf8.firstIndex(of: ASCII.colon) else { return (nil, qualifiedName) }
    let local = utf8[utf8.index(after: colon)...]
    guard colon != utf8.startIndex, let first = local.first, first != ASCII.colon, ASCII.isNameStart(first),
      !local.contains(ASCII.colon)
    else { throw notWellFormed("a bad qualified name") }
    return (String(utf8[..<colon])!, String(local)!)
  }

  private func lookup(_ prefix: String) throws(XMLStreamError) -> String {
    var index = bindings.count - 1
    while index >= 0 {
      if bindings[index].prefix == prefix { return bindings[index].uri }
      index -= 1
    }
    throw notWellFormed("an unbound namespace prefix")
  }

  /// Attributes are unique by name and, when prefixed, by namespace and local name.
  private func checkUnique(_ attributes: [XMLAttribute]) throws(XMLStreamError) {
    if attributes.count < 2 { return }
    if attributes.count <= 16, !attributes.contains(where: { !$0.namespace.isEmpty }) {
      // The common case: a few unprefixed attributes, compared pairwise without allocating.
      for index in attributes.indices.dropFirst() {
        for earlier in 0..<index where attributes[earlier].name == attributes[index].name {
          throw notWellFormed("a repeated attribute")
        }
      }
      return
    }
    var keys: [String] = []
    keys.reserveCapacity(attributes.count)
    for attribute in attributes {
      if attribute.namespace.isEmpty {
        keys.append(attribute.name)
      } else {
        let local = attribute.name.utf8.split(separator: ASCII.colon).last.map { String($0)! } ?? ""
        keys.append("{" + attribute.namespace + "}" + local)
      }
    }
    keys.sort()
    for index in keys.indices.dropFirst() where keys[index] == keys[index - 1] {
      throw notWellFormed("a repeated attribute")
    }
  }

  // MARK: - Character data

  /// Unescapes text or an attribute value: the five predefined entities and character
  /// references; line ends normalised; in attributes whitespace becomes a space.
  private func decodeText(_ start: Int, _ end: Int, attribute: Bool) throws(XMLStreamError) -> String {
    let plain = buffer.withUnsafeBufferPointer { bytes in
      for index in start..<end {
        let byte = bytes[index]
        if byte == ASCII.amp || byte == 0x0D || (attribute && (byte == 0x0A || byte == 0x09 || byte == ASCII.lt)) {
          return false
        }
      }
      return true
    }
    if plain { return String(decoding: buffer[start..<end], as: UTF8.self) }
    var output: [UInt8] = []
    output.reserveCapacity(end - start)
    var index = start
    while index < end {
      let byte = buffer[index]
      switch byte {
      case ASCII.amp:
        var semicolon = index + 1
        while semicolon < end, buffer[semicolon] != ASCII.semicolon, semicolon - index < 12 { semicolon += 1 }
        guard semicolon < end, buffer[semicolon] == ASCII.semicolon else { throw notWellFormed("a bad reference") }
        try reference(index + 1, semicolon, into: &output)
        index = semicolon + 1
        continue
      case ASCII.lt where attribute:
        throw notWellFormed("< in an attribute value")
      case 0x0D:
        output.append(attribute ? ASCII.space : 0x0A)
        if index + 1 < end, buffer[index + 1] == 0x0A { index += 1 }
      case 0x0A where attribute, 0x09 where attribute:
        output.append(ASCII.space)
      default:
        output.append(byte)
      }
      index += 1
    }
    return String(decoding: output, as: UTF8.self)
  }

  private func reference(_ start: Int, _ end: Int, into output: inout [UInt8]) throws(XMLStreamError) {
    let name = buffer[start..<end]
    if name.first == ASCII.hash {
      var value: UInt32 = 0
      var digits = name.dropFirst()
      let hex = digits.first == 0x78
      if hex { digits = digits.dropFirst() }
      guard !digits.isEmpty else { throw notWellFormed("a bad character reference") }
      for digit in digits {
        guard let d = ASCII.digitValue(digit, hex: hex) else { throw notWellFormed("a bad character reference") }
        value = value * (hex ? 16 : 10) + UInt32(d)
        guard value <= 0x10FFFF else { throw notWellFormed("a bad character reference") }
      }
      guard UTF8Check.isXMLCharacter(value), let scalar = Unicode.Scalar(value) else {
        throw notWellFormed("a reference to a character XML does not allow")
      }
      UTF8Check.append(scalar, to: &output)
      return
    }
    if name.elementsEqual("lt".utf8) {
      output.append(ASCII.lt)
    } else if name.elementsEqual("gt".utf8) {
      output.append(ASCII.gt)
    } else if name.elementsEqual("amp".utf8) {
      output.append(ASCII.amp)
    } else if name.elementsEqual("quot".utf8) {
      output.append(ASCII.quote)
    } else if name.elementsEqual("apos".utf8) {
      output.append(ASCII.apostrophe)
    } else {
      throw XMLStreamError(condition: "restricted-xml", text: "an entity reference")
    }
  }

  private func normaliseLineEnds(_ start: Int, _ end: Int) -> ArraySlice<UInt8> {
    guard buffer[start..<end].contains(0x0D) else { return buffer[start..<end] }
    var output: [UInt8] = []
    var index = start
    while index < end {
      if buffer[index] == 0x0D {
        output.append(0x0A)
        if index + 1 < end, buffer[index + 1] == 0x0A { index += 1 }
      } else {
        output.append(buffer[index])
      }
      index += 1
    }
    return output[...]
  }

  private func notWellFormed(_ text: String) -> XMLStreamError {
    XMLStreamError(condition: "not-well-formed", text: text)
  }
}

public enum XMLStreamEvent: Equatable, Sendable {
  /// The `<stream:stream ...>` start tag (no children), namespace http://etherx.jabber.org/streams.
  case streamOpen(XMLElement)
  /// A complete top-level child of the stream.
  case stanza(XMLElement)
  case streamClose
}

/// A stream error (RFC 6120 §4.9.3): the condition names the element to send.
public struct XMLStreamError: Error, Equatable, Sendable, CustomStringConvertible {
  public var condition: String
  public var text: String

  public init(condition: String, text: String) {
    self.condition = condition
    self.text = text
  }

  public var description: String { condition + ": " + text }
}

enum ASCII {
  static let lt: UInt8 = 0x3C
  static let gt: UInt8 = 0x3E
  static let slash: UInt8 = 0x2F
  static let question: UInt8 = 0x3F
  static let bang: UInt8 = 0x21
  static let quote: UInt8 = 0x22
  static let apostrophe: UInt8 = 0x27
  static let amp: UInt8 = 0x26
  static let semicolon: UInt8 = 0x3B
  static let equals: UInt8 = 0x3D
  static let colon: UInt8 = 0x3A
  static let hash: UInt8 = 0x23
  static let space: UInt8 = 0x20
  static let piEnd: [UInt8] = [0x3F, 0x3E]
  static let cdataStart: [UInt8] = Array("<![CDATA[".utf8)
  static let cdataEnd: [UInt8] = [0x5D, 0x5D, 0x3E]

  static func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
  }

  static func isNameStart(_ byte: UInt8) -> Bool {
    (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte == colon || byte >= 0x80
  }

  static func isNameByte(_ byte: UInt8) -> Bool {
    isNameStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E
  }

  static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
    bytes.count == text.utf8.count
      && zip(bytes, text.utf8).allSatisfy { (a, b) in (a >= 0x41 && a <= 0x5A ? a + 0x20 : a) == b }
  }

  static func digitValue(_ byte: UInt8, hex: Bool) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x61...0x66 where hex: byte - 0x61 + 10
    case 0x41...0x46 where hex: byte - 0x41 + 10
    default: nil
    }
  }
}

/// UTF-8 validation with the XML 1.0 §2.2 character range.
enum UTF8Check {
  static func isXMLCharacter(_ value: UInt32) -> Bool {
    switch value {
    case 0x09, 0x0A, 0x0D: true
    case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
  }

  static func append(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
    let value = scalar.value
    switch value {
    case 0..<0x80:
      output.append(UInt8(value))
    case 0x80..<0x800:
      output.append(UInt8(0xC0 | value >> 6))
      output.append(UInt8(0x80 | value & 0x3F))
    case 0x800..<0x10000:
      output.append(UInt8(0xE0 | value >> 12))
      output.append(UInt8(0x80 | value >> 6 & 0x3F))
      output.append(UInt8(0x80 | value & 0x3F))
    default:
      output.append(UInt8(0xF0 | value >> 18))
      output.append(UInt8(0x80 | value >> 12 & 0x3F))
      output.append(UInt8(0x80 | value >> 6 & 0x3F))
      output.append(UInt8(0x80 | value & 0x3F))
    }
  }

  static func validate(_ buffer: [UInt8], _ start: Int, _ end: Int) throws(XMLStreamError) {
    let bad: Int? = buffer.withUnsafeBufferPointer { bytes in
      var index = start
      while index < end {
        let lead = bytes[index]
        if lead < 0x80 {
          if lead < 0x20 && lead != 0x09 && lead != 0x0A && lead != 0x0D { return 1 }
          index += 1
          continue
        }
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return 0
        }
        guard index + length <= end else { return 0 }
        for offset in 1..<length {
          let next = bytes[index + offset]
          guard next & 0xC0 == 0x80 else { return 0 }
          value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return 0 }
        guard isXMLCharacter(value) else { return 1 }
        index += length
      }
      return nil
    }
    switch bad {
    case 0: throw XMLStreamError(condition: "unsupported-encoding", text: "bytes that are not UTF-8")
    case 1: throw XMLStreamError(condition: "not-well-formed", text: "a character XML does not allow")
    default: return
    }
  }
}
