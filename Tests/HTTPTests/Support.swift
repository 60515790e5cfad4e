import HTTP
import TestSupport

/// What the request parser gave, in a form the split verifier can compare.
enum Parsed: Equatable, CustomStringConvertible {
  case head(String)
  case body([UInt8])
  case error(HTTPParseError)

  var description: String {
    switch self {
    case .head(let text): "head(\(text))"
    case .body(let bytes): "body(\(String(decoding: bytes, as: UTF8.self)))"
    case .error(let error): "error(\(error))"
    }
  }
}

func summary(_ head: HTTPRequestHead) -> String {
  let fields = head.headers.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
  return "\(head.method) \(head.target) \(head.version) [\(fields)] keepAlive=\(head.keepAlive)"
    + " length=\(head.contentLength.map(String.init) ?? "-") chunked=\(head.isChunked)"
}

/// Request parser plus Content-Length bodies, pipelined; an error ends the stream.
struct RequestStream: StreamDecoder {
  var parser: HTTPRequestParser
  var bodyLeft = 0
  var failed = false

  init(maximumRequestLine: Int = 8192, maximumHeadBytes: Int = 65536) {
    parser = HTTPRequestParser(maximumRequestLine: maximumRequestLine, maximumHeadBytes: maximumHeadBytes)
  }

  mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [Parsed] {
    var out: [Parsed] = []
    var input = bytes
    while !failed && !input.isEmpty {
      if bodyLeft > 0 {
        let body = input.prefix(bodyLeft)
        out.append(.body(Array(body)))
        bodyLeft -= body.count
        input = input.dropFirst(body.count)
        continue
      }
      do {
        guard let (head, rest) = try parser.feed(input) else { break }
        out.append(.head(summary(head)))
        bodyLeft = head.contentLength ?? 0
        input = rest[...]
      } catch {
        out.append(.error(error))
        failed = true
      }
    }
    return out
  }
}

/// Merges adjacent body pieces, so the splits that cut a body agree with the whole feed.
struct MergedRequestStream: StreamDecoder {
  var inner: RequestStream
  var pending: [UInt8] = []

  init(maximumRequestLine: Int = 8192, maximumHeadBytes: Int = 65536) {
    inner = RequestStream(maximumRequestLine: maximumRequestLine, maximumHeadBytes: maximumHeadBytes)
  }

  mutating func feed(_ bytes: ArraySlice<UInt8>) throws -> [Parsed] {
    var out: [Parsed] = []
    for item in try inner.feed(bytes) {
      if case .body(let piece) = item {
        pending += piece
        if inner.bodyLeft == 0 {
          out.append(.body(pending))
          pending = []
        }
      } else {
        out.append(item)
      }
    }
    return out
  }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
