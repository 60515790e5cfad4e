/// libFuzzer entry point, built by `Scripts/fuzz http` together with Sources/Services/HTTP (it
/// belongs to no SwiftPM target). Every input goes to the request and response parsers and the
/// chunked decoder whole, byte by byte and split in two at its middle: the three must give the
/// same heads, errors, data and leftover bytes. The same input is also a request target, a
/// Range header and a date; the checks below are the promises those make.

enum Outcome<Head: Equatable>: Equatable {
  case head(Head)
  case error(HTTPParseError)
  case pending(Int)
}

/// Feeds `chunks` to a parser, pipelining whatever follows each head back into it.
func run<Head: Equatable>(
  _ chunks: [ArraySlice<UInt8>], _ feed: (ArraySlice<UInt8>) throws(HTTPParseError) -> (head: Head, rest: [UInt8])?,
  _ buffered: () -> Int
) -> [Outcome<Head>] {
  var outcomes: [Outcome<Head>] = []
  for chunk in chunks {
    var input = chunk
    do {
      while let (head, rest) = try feed(input) {
        outcomes.append(.head(head))
        if rest.isEmpty { break }
        input = rest[...]
      }
    } catch {
      outcomes.append(.error(error))
      return outcomes
    }
  }
  outcomes.append(.pending(buffered()))
  return outcomes
}

func splits(_ input: [UInt8]) -> [[ArraySlice<UInt8>]] {
  let middle = input.count / 2
  return [[input[...]], input.indices.map { input[$0...$0] }, [input[..<middle], input[middle...]]]
}

func checkRequests(_ input: [UInt8]) {
  var results: [[Outcome<HTTPRequestHead>]] = []
  for chunks in splits(input) {
    var parser = HTTPRequestParser(maximumRequestLine: 256, maximumHeadBytes: 512)
    results.append(run(chunks, { (bytes) throws(HTTPParseError) in try parser.feed(bytes) }, { parser.bufferedCount }))
  }
  if results[0] != results[1] || results[0] != results[2] { fatalError("the request parser depends on the split") }
  for case .head(let head) in results[0] {
    if head.method.isEmpty || head.target.isEmpty || head.target.utf8.contains(32) { fatalError("a bad request line") }
    if head.isChunked && head.contentLength != nil { fatalError("both framings") }
    if head.version == .http11 && head.headers.all("host").count != 1 { fatalError("Host not checked") }
    for field in head.headers.fields where field.value.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) {
      fatalError("a control character in a value")
    }
  }
}

func checkResponses(_ input: [UInt8]) {
  var results: [[Outcome<HTTPResponseHead>]] = []
  for chunks in splits(input) {
    var parser = HTTPResponseParser(maximumRequestLine: 256, maximumHeadBytes: 512)
    results.append(run(chunks, { (bytes) throws(HTTPParseError) in try parser.feed(bytes) }, { parser.bufferedCount }))
  }
  if results[0] != results[1] || results[0] != results[2] { fatalError("the response parser depends on the split") }
  for case .head(let head) in results[0] where head.status < 100 || head.status > 999 { fatalError("a bad status") }
}

struct Chunks: Equatable {
  var data: [UInt8] = []
  var done = false
  var rest: [UInt8] = []
  var error: HTTPParseError? = nil
}

func checkChunked(_ input: [UInt8]) {
  var results: [Chunks] = []
  for chunks in splits(input) {
    var decoder = ChunkedDecoder()
    var result = Chunks()
    do {
      for chunk in chunks {
        let step = try decoder.feed(chunk)
        result.data += step.data
        if result.done { result.rest += step.rest } else { result.rest = step.rest }
        result.done = step.done
      }
    } catch {
      // Data handed out before the error depends on the split; the error must not.
      result = Chunks(error: error)
    }
    results.append(result)
  }
  if results[0] != results[1] || results[0] != results[2] { fatalError("the chunked decoder depends on the split") }
  if results[0].done, results[0].error == nil {
    var decoder = ChunkedDecoder()
    let again = try? decoder.feed((Chunked.encode(results[0].data[...]) + Chunked.end)[...])
    if again?.data != results[0].data || again?.done != true { fatalError("re-encoding does not round-trip") }
  }
}

func checkText(_ input: [UInt8]) {
  let text = String(decoding: input, as: UTF8.self)
  if let path = RequestPath.segments(of: text) {
    for segment in path.segments where segment.isEmpty || segment == "." || segment == ".." || segment.utf8.contains(47) || segment.utf8.contains(0) {
      fatalError("an unsafe segment")
    }
  }
  let size = Int64(input.count)
  if case .partial(let first, let last) = ByteRanges.parse(text, size: size), first < 0 || first > last || last >= size {
    fatalError("a range outside the file")
  }
  if let seconds = HTTPDate.parse(text), HTTPDate.parse(HTTPDate.format(seconds)) != seconds {
    fatalError("a date that does not round-trip")
  }
  if HTML.escape(text).utf8.contains(where: { $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) { fatalError("escaping") }
  if !text.isEmpty, text != ".", text != "..", !text.utf8.contains(where: { $0 == 0 || $0 == 47 }),
    RequestPath.segments(of: "/" + URLEncoding.percentEncodePath(text))?.segments != [text]
  {
    fatalError("an encoded name that does not decode to itself")
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  checkRequests(input)
  checkResponses(input)
  checkChunked(input)
  checkText(input)
  return 0
}
