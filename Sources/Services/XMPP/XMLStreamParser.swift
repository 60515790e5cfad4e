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

  enum Phase {
    case prolog, declared, stream, closed
  }

  struct Open {
    var qualifiedName: String
    var element: XMLElement
  }

  struct Binding {
    var prefix: String
    var uri: String
  }

  // The state the parser's files share: XMLTokenizer cuts tokens from the buffer,
  // XMLStanzaBuilder and XMLNamespaces build elements from them, XMLCharacterData decodes text.
  var phase = Phase.prolog
  var buffer: [UInt8] = []
  /// Start of the token being read.
  var position = 0
  /// How far the token has been searched for its end (so no byte is searched twice).
  var scanned = 0
  /// Inside a quoted attribute value while searching a start tag for its `>`: the quote.
  var quote: UInt8 = 0
  /// Stream offset of buffer[0].
  var base = 0
  /// Stream offset of the current stanza's `<`, or -1 between stanzas.
  var stanzaStart = -1
  var streamName = ""
  var open: [Open] = []
  var bindings: [Binding] = XMLStreamParser.initialBindings
  /// bindings.count before each open element's declarations (the stream element first).
  var bindingMarks: [Int] = []
  var failure: XMLStreamError?

  static let retainedCapacity = 16384
  static let maximumBindings = 64
  public static let streamNamespace = "http://etherx.jabber.org/streams"
  static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
  static let initialBindings = [
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

  mutating func parse(_ bytes: ArraySlice<UInt8>) throws(XMLStreamError) -> [XMLStreamEvent] {
    buffer.append(contentsOf: bytes)
    var events: [XMLStreamEvent] = []
    while position < buffer.count, let end = try tokenEnd() {
      // Whitespace between stanzas is consumed as it comes, so it is never counted.
      let start = stanzaStart >= 0 ? stanzaStart : base + position
      if buffer[position] == XMLByte.lt || !open.isEmpty, base + end - start > maximumStanzaBytes { throw tooLong() }
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

  func tooLong() -> XMLStreamError {
    XMLStreamError(condition: "policy-violation", text: "stanza longer than \(maximumStanzaBytes) bytes")
  }

  func notWellFormed(_ text: String) -> XMLStreamError {
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
