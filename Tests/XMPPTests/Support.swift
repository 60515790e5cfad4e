import TestSupport
import XMPP

/// What the stream parser gave, in a form the split verifier can compare: an error ends it.
enum Parsed: Equatable, CustomStringConvertible {
  case open(String)
  case stanza(String)
  case close
  case error(String)

  var description: String {
    switch self {
    case .open(let text): "open(\(text))"
    case .stanza(let text): "stanza(\(text))"
    case .close: "close"
    case .error(let condition): "error(\(condition))"
    }
  }
}

/// The parser as a StreamDecoder: stanzas serialised (so a test states them as XML), the stream
/// header as its attributes; after an error nothing more is read.
struct ParsedStream: StreamDecoder {
  var parser: XMLStreamParser
  var failed = false

  init(maximumStanzaBytes: Int = 262_144, maximumDepth: Int = 32) {
    parser = XMLStreamParser(maximumStanzaBytes: maximumStanzaBytes, maximumDepth: maximumDepth)
  }

  mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [Parsed] {
    if failed { return [] }
    do {
      return try parser.feed(bytes).map(parsed)
    } catch {
      failed = true
      return [.error(error.condition)]
    }
  }
}

func parsed(_ event: XMLStreamEvent) -> Parsed {
  switch event {
  case .streamOpen(let header):
    let attributes = header.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    return .open("\(header.name) [\(attributes)]")
  case .stanza(let stanza): return .stanza(stanza.xml())
  case .streamClose: return .close
  }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

let header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='slug.home' version='1.0'>"
let opened = Parsed.open("stream [to=slug.home,version=1.0]")
