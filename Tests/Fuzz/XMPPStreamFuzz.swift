/// libFuzzer entry point, built by `Scripts/fuzz xmpp` together with Sources/Services/XMPP (it
/// belongs to no SwiftPM target). Every input goes to the XML stream parser whole, byte by
/// byte and split in two at its middle: the three must end in the same error (or none), and
/// give the same events, except that a feed that throws loses the events it completed (so the
/// whole and split runs may give a prefix of the byte-by-byte events). Every stanza must
/// serialise to XML that parses back to the same element. The input is also a SASL PLAIN
/// message, a SCRAM client-first and client-final message, and Base64 text.

struct Run: Equatable {
  var events: [XMLStreamEvent] = []
  var error: XMLStreamError? = nil
}

let header = Array(
  "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='slug.home' version='1.0'>".utf8)

func parse(_ chunks: [ArraySlice<UInt8>]) -> Run {
  var parser = XMLStreamParser(maximumStanzaBytes: 160, maximumDepth: 8)
  var run = Run()
  for chunk in chunks {
    do {
      run.events += try parser.feed(chunk)
    } catch {
      run.error = error
      break
    }
  }
  return run
}

func checkStream(_ input: [UInt8]) {
  let middle = input.count / 2
  let whole = parse([input[...]])
  let bytes = parse(input.indices.map { input[$0...$0] })
  let split = parse([input[..<middle], input[middle...]])
  for other in [whole, split] {
    if other.error != bytes.error { fatalError("the error depends on the split") }
    if other.error == nil ? other.events != bytes.events : !bytes.events.starts(with: other.events) {
      fatalError("the events depend on the split")
    }
  }
  for case .stanza(let stanza) in bytes.events {
    if stanza.name.isEmpty { fatalError("an element without a name") }
    var again = XMLStreamParser()
    let reparsed = try? again.feed((header + Array(stanza.xml().utf8))[...])
    if reparsed?.last != .stanza(stanza) { fatalError("a stanza that does not round-trip") }
  }
}

func checkSASL(_ input: [UInt8]) {
  if let plain = try? SASLPlain.parse(input), plain.user.isEmpty || plain.password.isEmpty { fatalError("empty PLAIN fields") }
  var server = SCRAMServer(hash: .sha1, serverNonce: "nonce", salt: [1, 2, 3, 4], iterations: 2)
  if let user = try? server.receiveClientFirst(input) {
    if user.isEmpty { fatalError("an empty SCRAM user") }
    _ = server.serverFirst(password: "pw")
  }
  _ = try? server.receiveClientFinal(input)
  let text = String(decoding: input, as: UTF8.self)
  if let decoded = Base64.decode(text), Base64.encode(decoded) != text, text.utf8.count % 4 == 0 {
    // Non-canonical trailing bits decode; they must at least re-decode to the same bytes.
    if Base64.decode(Base64.encode(decoded)) != decoded { fatalError("base64 does not round-trip") }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  // Most inputs get a stream header in front, so that the fuzzer spends its time on stanzas.
  checkStream(input.first.map { $0 & 1 == 0 } ?? false ? header + input.dropFirst() : input)
  checkSASL(input)
  return 0
}
