/// Chunked transfer coding until the HTTP module's ChunkedDecoder and Chunked land (branch
/// httpcore); this file goes when they are merged.
public struct ChunkedDecoder {
  var buffer: [UInt8] = []
  var remaining = -1  // -1: reading size line; >0 data; 0 after data expecting CRLF
  var inTrailers = false
  public init() {}
  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (data: [UInt8], done: Bool, rest: [UInt8]) {
    buffer += bytes
    var data: [UInt8] = []
    var index = 0
    while true {
      if remaining > 0 {
        let take = min(remaining, buffer.count - index)
        data += buffer[index..<index + take]; index += take; remaining -= take
        if remaining > 0 { break }
        remaining = -2
        continue
      }
      guard let lf = buffer[index...].firstIndex(of: 10) else { break }
      let line = buffer[index..<lf].filter { $0 != 13 }
      index = lf + 1
      if remaining == -2 { remaining = -1; continue }
      if inTrailers {
        if line.isEmpty { let rest = Array(buffer[index...]); buffer = []; return (data, true, rest) }
        continue
      }
      let sizeText = String(decoding: line.prefix { $0 != 59 }, as: UTF8.self)
      guard let size = Int(sizeText, radix: 16) else { throw .badRequest("chunk size") }
      if size == 0 { inTrailers = true; continue }
      remaining = size
    }
    buffer = Array(buffer[index...])
    return (data, false, [])
  }
}
public enum Chunked {
  public static func encode(_ data: ArraySlice<UInt8>) -> [UInt8] { Array(String(data.count, radix: 16).utf8) + [13, 10] + data + [13, 10] }
  public static let end: [UInt8] = Array("0\r\n\r\n".utf8)
}
