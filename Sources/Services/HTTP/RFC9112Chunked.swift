#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9112 §7.1: the chunked transfer coding. The decoder is incremental like the head
/// parsers: any split of the input gives the same data, the same end and the same error.
/// Chunk extensions are skipped; trailer fields are read and dropped. A bare LF ends a line as
/// in the head. Limits: a chunk-size line (with its extensions) of at most 4096 bytes (400) and
/// trailers of at most 65536 bytes (431), both settable; chunk sizes of at most 15 hex digits.
public struct ChunkedDecoder {
  private let maximumSizeLine: Int
  private let maximumTrailers: Int

  private enum State {
    case size
    case data(remaining: Int)
    /// After a chunk's data: a CR and a LF, or a bare LF.
    case dataEnd(sawCR: Bool)
    case trailers
    case done
  }

  private var state = State.size
  private var line: [UInt8] = []
  private var trailerBytes = 0
  private var failure: HTTPParseError? = nil

  public init(maximumSizeLine: Int = 4096, maximumTrailerBytes: Int = 65536) {
    self.maximumSizeLine = maximumSizeLine
    maximumTrailers = maximumTrailerBytes
  }

  /// The decoded data in `bytes`, whether the last chunk and trailers have ended, and the bytes
  /// after the end (the next request). Once done, every later feed returns its bytes as rest.
  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (data: [UInt8], done: Bool, rest: [UInt8]) {
    if let failure { throw failure }
    do {
      return try consume(bytes)
    } catch {
      failure = error
      throw error
    }
  }

  private mutating func consume(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (data: [UInt8], done: Bool, rest: [UInt8]) {
    var data: [UInt8] = []
    var input = bytes
    while true {
      switch state {
      case .done:
        return (data, true, Array(input))
      case .data(let remaining):
        guard !input.isEmpty else { return (data, false, []) }
        let piece = input.prefix(remaining)
        data += piece
        input = input.dropFirst(piece.count)
        state = remaining == piece.count ? .dataEnd(sawCR: false) : .data(remaining: remaining - piece.count)
      case .dataEnd(let sawCR):
        guard let byte = input.first else { return (data, false, []) }
        input = input.dropFirst()
        if byte == ASCII.lf {
          state = .size
        } else if byte == ASCII.cr && !sawCR {
          state = .dataEnd(sawCR: true)
        } else {
          throw .badRequest("chunk data longer than its size")
        }
      case .size, .trailers:
        guard let newline = input.firstIndex(of: ASCII.lf) else {
          try checkLength(line.count + input.count)
          line += input
          return (data, false, [])
        }
        try checkLength(line.count + (newline - input.startIndex))
        line += input[input.startIndex..<newline]
        input = input[(newline + 1)...]
        let complete = line
        line.removeAll(keepingCapacity: true)
        try take(complete)
      }
    }
  }

  private func checkLength(_ length: Int) throws(HTTPParseError) {
    if case .size = state {
      if length > maximumSizeLine { throw .badRequest("a chunk size line too long") }
    } else if trailerBytes + length > maximumTrailers {
      throw .headersTooLarge
    }
  }

  private mutating func take(_ raw: [UInt8]) throws(HTTPParseError) {
    var text = raw[...]
    if text.last == ASCII.cr { text = text.dropLast() }
    if text.contains(ASCII.cr) { throw .badRequest("a CR not followed by LF") }
    if case .trailers = state {
      trailerBytes += raw.count + 1
      if text.isEmpty { state = .done }
      return
    }
    let digits = text.prefix { ASCII.hexValue($0) != nil }
    guard !digits.isEmpty, digits.count <= 15 else { throw .badRequest("a malformed chunk size") }
    let after = ASCII.trimmed(text[digits.endIndex...])
    if let first = after.first, first != UInt8(ascii: ";") { throw .badRequest("a malformed chunk size") }
    var size = 0
    for digit in digits { size = size << 4 | Int(ASCII.hexValue(digit)!) }
    state = size == 0 ? .trailers : .data(remaining: size)
  }
}

public enum Chunked {
  /// One chunk holding `data`; nothing for empty data (an empty chunk would end the body).
  public static func encode(_ data: ArraySlice<UInt8>) -> [UInt8] {
    guard !data.isEmpty else { return [] }
    var bytes = Hex.number(UInt64(data.count), uppercase: true)
    bytes.reserveCapacity(bytes.count + data.count + 4)
    bytes += [ASCII.cr, ASCII.lf]
    bytes += data
    bytes += [ASCII.cr, ASCII.lf]
    return bytes
  }

  /// The last chunk and the empty trailer section.
  public static let end: [UInt8] = Array("0\r\n\r\n".utf8)
}
