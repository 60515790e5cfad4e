#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9112 §2-§6: the request and response heads, read incrementally. Bytes may arrive in any
/// split; the result (head, error, bytes left over) is the same for every split, because each
/// check is made either on a complete line or on a length that only grows.
///
/// Decisions where RFC 9112 leaves a choice:
/// - A bare LF ends a line (§2.2 MAY); a CR not followed by LF is an error (§2.2 MUST NOT
///   treat it as a terminator).
/// - Empty lines before the request line are skipped (§2.2 SHOULD ignore at least one).
/// - Obsolete line folding, whitespace before the first field, and whitespace between a field
///   name and its colon are rejected with 400 (§5.2, §2.2, §5.1 MUST).
/// - A request with both Transfer-Encoding and Content-Length is rejected with 400 (§6.3 item 3
///   allows it and calls such a message a smuggling attempt); in a response, chunked wins and
///   the Content-Length is ignored (the proxy must then close, so `keepAlive` is false).
/// - A request whose Transfer-Encoding does not end in chunked, or an HTTP/1.0 message with
///   Transfer-Encoding, is rejected (§6.3 item 4, §6.1). Codings before chunked are left to the
///   caller (they stay in `headers`).
/// - Content-Length: repeated identical values ("5, 5" or two lines) are one value; different
///   values or anything but 1 to 18 digits is a 400 (RFC 9110 §8.6).
/// - HTTP/1.1 requests need exactly one Host field (§3.2 MUST).
/// - Versions: HTTP/1.0 and HTTP/1.1; a later HTTP/1.x is answered as 1.1 (RFC 9110 §2.5);
///   any other well-formed HTTP/d.d is 505; anything else is 400.
/// - Limits: the request line (status line) may hold `maximumRequestLine` bytes before its LF
///   (414; for a response 431), each field line the same number (431), the whole head
///   `maximumHeadBytes` counting every byte before the final LF (431).
/// - Field values are kept as UTF-8 text; obs-text bytes that are not UTF-8 become U+FFFD.

public struct HTTPRequestHead: Sendable, Equatable {
  public var method: String
  public var target: String
  public var version: HTTPVersion
  public var headers: HTTPHeaders
  /// HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
  public var keepAlive: Bool
  /// The validated Content-Length; nil when absent (and always nil when chunked).
  public var contentLength: Int?
  /// Transfer-Encoding ends in chunked.
  public var isChunked: Bool

  public init(
    method: String, target: String, version: HTTPVersion, headers: HTTPHeaders, keepAlive: Bool,
    contentLength: Int?, isChunked: Bool
  ) {
    self.method = method
    self.target = target
    self.version = version
    self.headers = headers
    self.keepAlive = keepAlive
    self.contentLength = contentLength
    self.isChunked = isChunked
  }
}

public struct HTTPResponseHead: Sendable, Equatable {
  public var version: HTTPVersion
  public var status: Int
  public var reason: String
  public var headers: HTTPHeaders
  /// Framing, as for requests (RFC 9112 §6.3). A response without either is read to close,
  /// unless its status or the request method says it has no body (the caller knows those).
  public var keepAlive: Bool
  public var contentLength: Int?
  public var isChunked: Bool

  public init(
    version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders, keepAlive: Bool = true,
    contentLength: Int? = nil, isChunked: Bool = false
  ) {
    self.version = version
    self.status = status
    self.reason = reason
    self.headers = headers
    self.keepAlive = keepAlive
    self.contentLength = contentLength
    self.isChunked = isChunked
  }
}

public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
  /// 400, with what is wrong.
  case badRequest(String)
  /// 414: the request line is over the limit.
  case uriTooLong
  /// 431: a field line or the whole head is over the limit.
  case headersTooLarge
  /// 505.
  case unsupportedVersion

  /// The HTTP status to answer with.
  public var status: Int {
    switch self {
    case .badRequest: 400
    case .uriTooLong: 414
    case .headersTooLarge: 431
    case .unsupportedVersion: 505
    }
  }

  public var description: String {
    switch self {
    case .badRequest(let why): "bad request: \(why)"
    case .uriTooLong: "request line too long"
    case .headersTooLarge: "header fields too large"
    case .unsupportedVersion: "HTTP version not supported"
    }
  }
}

/// Splits a head into lines and enforces the limits; shared by the request and response
/// parsers.
struct HeadLines {
  let maximumLine: Int
  let maximumHead: Int
  /// The error for a start line over `maximumLine`.
  let startLineTooLong: HTTPParseError
  /// The current line so far (no LF yet).
  var partial: [UInt8] = []
  /// Bytes of the head before `partial`.
  var consumed = 0
  var startLine: [UInt8]? = nil
  var fields: [(name: String, value: String)] = []
  var failure: HTTPParseError? = nil

  init(maximumLine: Int, maximumHead: Int, startLineTooLong: HTTPParseError) {
    self.maximumLine = max(1, maximumLine)
    self.maximumHead = max(1, maximumHead)
    self.startLineTooLong = startLineTooLong
  }

  /// The error for a line of `length` bytes (before its LF) starting `consumed` bytes into
  /// the head, or nil. The same answer whether the line is complete or still arriving: the
  /// limit crossed first as the line grows wins.
  func limitError(_ length: Int) -> HTTPParseError? {
    let headRoom = maximumHead - consumed
    guard length > min(maximumLine, headRoom) else { return nil }
    if maximumLine <= headRoom { return startLine == nil ? startLineTooLong : .headersTooLarge }
    return .headersTooLarge
  }

  /// Feeds bytes; returns the bytes after the head once the empty line ending it arrives.
  mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> [UInt8]? {
    if let failure { throw failure }
    do {
      return try consume(bytes)
    } catch {
      failure = error
      throw error
    }
  }

  private mutating func consume(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> [UInt8]? {
    var rest = bytes
    while let newline = rest.firstIndex(of: ASCII.lf) {
      let length = partial.count + (newline - rest.startIndex)
      if let error = limitError(length) { throw error }
      var line = partial
      line += rest[rest.startIndex..<newline]
      partial.removeAll(keepingCapacity: true)
      rest = rest[(newline + 1)...]
      consumed += length + 1
      if try take(line) { return Array(rest) }
    }
    if let error = limitError(partial.count + rest.count) { throw error }
    partial += rest
    return nil
  }

  /// One complete line, LF removed. Returns true at the end of the head.
  private mutating func take(_ raw: [UInt8]) throws(HTTPParseError) -> Bool {
    var line = raw[...]
    if line.last == ASCII.cr { line = line.dropLast() }
    if line.contains(ASCII.cr) { throw .badRequest("a CR not followed by LF") }
    guard startLine != nil else {
      if !line.isEmpty { startLine = Array(line) }
      return false
    }
    if line.isEmpty { return true }
    if line.first == ASCII.space || line.first == ASCII.tab {
      throw .badRequest(fields.isEmpty ? "whitespace before the first header field" : "obsolete line folding")
    }
    guard let colon = line.firstIndex(of: ASCII.colon) else { throw .badRequest("a header line without a colon") }
    let name = line[line.startIndex..<colon]
    if name.isEmpty { throw .badRequest("an empty header field name") }
    if name.last == ASCII.space || name.last == ASCII.tab {
      throw .badRequest("whitespace between a header field name and its colon")
    }
    if !name.allSatisfy(ASCII.isTokenCharacter) { throw .badRequest("a bad character in a header field name") }
    let value = ASCII.trimmed(line[(colon + 1)...])
    if value.contains(where: { ($0 < 0x20 && $0 != ASCII.tab) || $0 == 0x7F }) {
      throw .badRequest("a control character in a header field value")
    }
    fields.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    return false
  }
}

/// Reads "HTTP/d.d"; nil when it is not that shape.
private func parseVersion(_ bytes: ArraySlice<UInt8>) -> (major: UInt8, minor: UInt8)? {
  let prefix: [UInt8] = Array("HTTP/".utf8)
  guard bytes.count == 8, bytes.prefix(5).elementsEqual(prefix) else { return nil }
  let major = bytes[bytes.startIndex + 5]
  let dot = bytes[bytes.startIndex + 6]
  let minor = bytes[bytes.startIndex + 7]
  guard ASCII.isDigit(major), dot == UInt8(ascii: "."), ASCII.isDigit(minor) else { return nil }
  return (major - UInt8(ascii: "0"), minor - UInt8(ascii: "0"))
}

private func version(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
  guard let (major, minor) = parseVersion(bytes) else { throw .badRequest("a malformed HTTP version") }
  guard major == 1 else { throw .unsupportedVersion }
  return minor == 0 ? .http10 : .http11
}

/// Framing shared by requests and responses: (keepAlive, contentLength, isChunked).
private func framing(
  _ headers: HTTPHeaders, version: HTTPVersion, isRequest: Bool
) throws(HTTPParseError) -> (Bool, Int?, Bool) {
  var keepAlive: Bool
  switch version {
  case .http11: keepAlive = !headers.listContains("Connection", "close")
  case .http10:
    keepAlive = headers.listContains("Connection", "keep-alive") && !headers.listContains("Connection", "close")
  }
  var contentLength: Int64? = nil
  for element in headers.all("Content-Length") {
    for item in element.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
      guard let value = ASCII.decimal(ASCII.trimmed(item)) else { throw .badRequest("a malformed Content-Length") }
      if let contentLength, contentLength != value { throw .badRequest("conflicting Content-Length values") }
      contentLength = value
    }
  }
  let codings = headers.list("Transfer-Encoding")
  var isChunked = false
  if headers.contains("Transfer-Encoding") {
    if version == .http10 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 message") }
    if let index = codings.firstIndex(where: { ASCII.equalsIgnoringCase($0, "chunked") }), index != codings.count - 1 {
      throw .badRequest("chunked is not the final transfer coding")
    }
    isChunked = codings.last.map { ASCII.equalsIgnoringCase($0, "chunked") } ?? false
    if isRequest {
      if !isChunked { throw .badRequest("a request Transfer-Encoding that does not end in chunked") }
      if contentLength != nil { throw .badRequest("both Transfer-Encoding and Content-Length") }
    } else {
      if contentLength != nil { keepAlive = false }
      if !isChunked { keepAlive = false }
    }
    contentLength = nil
  }
  return (keepAlive, contentLength.map { Int($0) }, isChunked)
}

/// Incremental request head parser. Feed bytes as they arrive (any split, even one byte at a
/// time); once the head is complete it is returned with the bytes after it (body, or the next
/// pipelined request), and the parser is ready for the next request. An error is final: every
/// later feed throws it again.
public struct HTTPRequestParser {
  private let maximumRequestLine: Int
  private let maximumHeadBytes: Int
  private var lines: HeadLines

  public init(maximumRequestLine: Int = 8192, maximumHeadBytes: Int = 65536) {
    self.maximumRequestLine = maximumRequestLine
    self.maximumHeadBytes = maximumHeadBytes
    lines = HeadLines(maximumLine: maximumRequestLine, maximumHead: maximumHeadBytes, startLineTooLong: .uriTooLong)
  }

  /// Bytes of an unfinished head held so far (0 between requests).
  public var bufferedCount: Int { lines.consumed + lines.partial.count }

  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (head: HTTPRequestHead, rest: [UInt8])? {
    guard let rest = try lines.feed(bytes) else { return nil }
    do {
      let head = try Self.head(startLine: lines.startLine ?? [], fields: lines.fields)
      lines = HeadLines(maximumLine: maximumRequestLine, maximumHead: maximumHeadBytes, startLineTooLong: .uriTooLong)
      return (head, rest)
    } catch {
      lines.failure = error
      throw error
    }
  }

  private static func head(startLine: [UInt8], fields: [(name: String, value: String)]) throws(HTTPParseError) -> HTTPRequestHead {
    let parts = startLine.split(separator: ASCII.space, omittingEmptySubsequences: false)
    guard parts.count == 3 else { throw .badRequest("a request line that is not method, target and version") }
    let method = parts[0], target = parts[1]
    if method.isEmpty || !method.allSatisfy(ASCII.isTokenCharacter) { throw .badRequest("a malformed method") }
    if target.isEmpty { throw .badRequest("an empty request target") }
    if !target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { throw .badRequest("a bad character in the request target") }
    let version = try version(parts[2])
    let headers = HTTPHeaders(fields)
    if version == .http11 {
      let hosts = headers.all("Host")
      if hosts.count != 1 { throw .badRequest(hosts.isEmpty ? "no Host field" : "more than one Host field") }
    }
    let (keepAlive, contentLength, isChunked) = try framing(headers, version: version, isRequest: true)
    return HTTPRequestHead(
      method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
      version: version, headers: headers, keepAlive: keepAlive, contentLength: contentLength, isChunked: isChunked)
  }
}

/// Incremental response head parser, the same shape as HTTPRequestParser (for the proxy). Its
/// errors are `.badRequest` or `.headersTooLarge` (a proxy answers 502 for either) or
/// `.unsupportedVersion`. 1xx interim responses are returned like any other head.
public struct HTTPResponseParser {
  private let maximumStatusLine: Int
  private let maximumHeadBytes: Int
  private var lines: HeadLines

  public init(maximumRequestLine: Int = 8192, maximumHeadBytes: Int = 65536) {
    maximumStatusLine = maximumRequestLine
    self.maximumHeadBytes = maximumHeadBytes
    lines = HeadLines(maximumLine: maximumRequestLine, maximumHead: maximumHeadBytes, startLineTooLong: .headersTooLarge)
  }

  public var bufferedCount: Int { lines.consumed + lines.partial.count }

  public mutating func feed(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> (head: HTTPResponseHead, rest: [UInt8])? {
    guard let rest = try lines.feed(bytes) else { return nil }
    do {
      let head = try Self.head(statusLine: lines.startLine ?? [], fields: lines.fields)
      lines = HeadLines(maximumLine: maximumStatusLine, maximumHead: maximumHeadBytes, startLineTooLong: .headersTooLarge)
      return (head, rest)
    } catch {
      lines.failure = error
      throw error
    }
  }

  private static func head(statusLine: [UInt8], fields: [(name: String, value: String)]) throws(HTTPParseError) -> HTTPResponseHead {
    let line = statusLine[...]
    guard let firstSpace = line.firstIndex(of: ASCII.space) else { throw .badRequest("a malformed status line") }
    let version = try version(line[..<firstSpace])
    let afterVersion = line[(firstSpace + 1)...]
    let code = afterVersion.prefix(3)
    guard code.count == 3, code.allSatisfy(ASCII.isDigit), let status = ASCII.decimal(code), status >= 100 else {
      throw .badRequest("a malformed status code")
    }
    let afterCode = afterVersion.dropFirst(3)
    if let next = afterCode.first, next != ASCII.space { throw .badRequest("a malformed status code") }
    let reason = afterCode.dropFirst()
    if reason.contains(where: { ($0 < 0x20 && $0 != ASCII.tab) || $0 == 0x7F }) {
      throw .badRequest("a control character in the reason phrase")
    }
    let headers = HTTPHeaders(fields)
    let (keepAlive, contentLength, isChunked) = try framing(headers, version: version, isRequest: false)
    return HTTPResponseHead(
      version: version, status: Int(status), reason: String(decoding: reason, as: UTF8.self), headers: headers,
      keepAlive: keepAlive, contentLength: contentLength, isChunked: isChunked)
  }
}

/// "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n". CR and LF in names, values and the reason
/// become spaces, so no caller can split a response.
public func serializeResponseHead(
  version: HTTPVersion, status: Int, reason: String? = nil, headers: HTTPHeaders
) -> [UInt8] {
  var bytes: [UInt8] = []
  bytes.reserveCapacity(128 + headers.fields.count * 32)
  bytes += version.text.utf8
  bytes.append(ASCII.space)
  let code = max(100, min(999, status))
  bytes += [UInt8(ascii: "0") + UInt8(code / 100), UInt8(ascii: "0") + UInt8(code / 10 % 10), UInt8(ascii: "0") + UInt8(code % 10)]
  bytes.append(ASCII.space)
  appendSafe(reason ?? HTTPStatus.reason(status), to: &bytes)
  appendFields(headers, to: &bytes)
  return bytes
}

/// "GET /path HTTP/1.1\r\nName: value\r\n...\r\n\r\n", with the same CR/LF guard.
public func serializeRequestHead(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) -> [UInt8] {
  var bytes: [UInt8] = []
  bytes.reserveCapacity(128 + headers.fields.count * 32)
  appendSafe(method, to: &bytes)
  bytes.append(ASCII.space)
  appendSafe(target, to: &bytes)
  bytes.append(ASCII.space)
  bytes += version.text.utf8
  appendFields(headers, to: &bytes)
  return bytes
}

private func appendSafe(_ text: String, to bytes: inout [UInt8]) {
  for byte in text.utf8 { bytes.append(byte == ASCII.cr || byte == ASCII.lf || byte == 0 ? ASCII.space : byte) }
}

private func appendFields(_ headers: HTTPHeaders, to bytes: inout [UInt8]) {
  bytes += [ASCII.cr, ASCII.lf]
  for field in headers.fields {
    appendSafe(field.name, to: &bytes)
    bytes += [ASCII.colon, ASCII.space]
    appendSafe(field.value, to: &bytes)
    bytes += [ASCII.cr, ASCII.lf]
  }
  bytes += [ASCII.cr, ASCII.lf]
}
