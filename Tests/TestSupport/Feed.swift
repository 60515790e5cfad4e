/// A stream parser as the protocol cores write them: bytes go in as they arrive, whole
/// messages come out.
public protocol StreamDecoder {
  associatedtype Message: Equatable
  mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [Message]
  /// Called once the peer has closed; returns what the last bytes completed.
  mutating func finish() throws -> [Message]
}

extension StreamDecoder {
  public mutating func finish() throws -> [Message] { [] }
}

/// Feeds the same bytes to fresh decoders whole (one input at a time), byte by byte, split in
/// two at every offset, and all inputs glued into one chunk, and reports every way the
/// messages differ from `expected`. An empty result means the decoder does not care how the
/// network cuts its input. (After swift-nio's ByteToMessageDecoderVerifier.)
public func verifyDecoder<Decoder: StreamDecoder>(
  _ makeDecoder: () -> Decoder, inputs: [(bytes: [UInt8], messages: [Decoder.Message])]
) -> [String] {
  let all = inputs.flatMap(\.bytes)
  let expected = inputs.flatMap(\.messages)
  var failures: [String] = []

  func run(_ label: String, _ chunks: [ArraySlice<UInt8>]) {
    var decoder = makeDecoder()
    do {
      var messages: [Decoder.Message] = []
      for chunk in chunks { messages += try decoder.feed(chunk) }
      messages += try decoder.finish()
      if messages != expected { failures.append("\(label): got \(messages), expected \(expected)") }
    } catch {
      failures.append("\(label): threw \(error)")
    }
  }

  var decoder = makeDecoder()
  for (index, input) in inputs.enumerated() {
    do {
      var messages = try decoder.feed(input.bytes[...])
      if index == inputs.count - 1 { messages += try decoder.finish() }
      if messages != input.messages {
        failures.append("whole, input \(index): got \(messages), expected \(input.messages)")
      }
    } catch {
      failures.append("whole, input \(index): threw \(error)")
      break
    }
  }
  run("byte by byte", all.indices.map { all[$0...$0] })
  run("glued", [all[...]])
  for offset in all.indices.dropFirst() {
    run("split at \(offset)", [all[..<offset], all[offset...]])
  }
  return failures
}
