import CLibc

/// torrents.cgi: the torrent page under in.www, as a CGI/1.1 program that opens neither the
/// store nor the mesh (it runs as in.www's user, which has neither). It passes the request on
/// to in.ctcs's port on this machine (`--ctcs`, by default 127.0.0.1:2780) as HTTP/1.1, with
/// the script's path (where the page's links and forms must point) and the browser's address
/// (for in.ctcs's log) in two fields in.ctcs takes from loopback only, and turns the answer
/// back into CGI output. When in.ctcs cannot be reached or answers nothing usable, the
/// browser gets a 503 or 502 page of its own.
struct PageRelay {
  let options: PageOptions
  let log: Log

  static let connectSeconds = 5
  /// in.ctcs may fetch a torrent by URL (60 s) before it answers.
  static let answerSeconds = 90

  struct Failure: Error {
    var status: Int
    var message: String
  }

  func run() {
    let method = PageRelay.environment("REQUEST_METHOD") ?? "GET"
    let length = Int(PageRelay.environment("CONTENT_LENGTH") ?? "") ?? 0
    guard length >= 0, length <= TorrentPage.maximumBodyBytes else {
      return answer(Failure(status: 413, message: "The form is too large."), method: method)
    }
    let body = PageRelay.readBody(length)
    let target =
      PageRelay.urlPath(PageRelay.environment("PATH_INFO").flatMap { $0.isEmpty ? nil : $0 } ?? "/") + "?"
      + PageRelay.urlPath(PageRelay.environment("QUERY_STRING") ?? "", keeping: "?=&%")
    var headers = HTTPHeaders()
    headers.add("Host", options.address.description)
    if let type = PageRelay.environment("CONTENT_TYPE"), !type.isEmpty { headers.add("Content-Type", type) }
    if method == "POST" || length > 0 { headers.add("Content-Length", "\(body.count)") }
    headers.add("Connection", "close")
    headers.add(PageServer.scriptField, PageRelay.urlPath(PageRelay.environment("SCRIPT_NAME") ?? "/"))
    if let client = PageRelay.environment("REMOTE_ADDR") { headers.add(PageServer.clientField, client) }
    let request = serializeRequestHead(method: method, target: target, version: .http11, headers: headers) + body
    do throws(Failure) {
      try exchange(request, method: method)
    } catch {
      answer(error, method: method)
    }
  }

  /// Sends REQUEST to in.ctcs and copies its answer to standard output as CGI output.
  private func exchange(_ request: [UInt8], method: String) throws(Failure) {
    let fd = try connect()
    defer { close(fd) }
    let connection = StreamConnection(fd: fd)
    let deadline = Deadline.after(seconds: PageRelay.answerSeconds)
    guard connection.write(request, deadline: deadline) == .written else { throw unreachable("it did not take the request") }
    var parser = HTTPResponseParser()
    var pending: [UInt8] = []
    var received: (head: HTTPResponseHead, rest: [UInt8])?
    while received == nil || received!.head.status < 200 {
      if let interim = received { pending = interim.rest }
      received = nil
      do throws(HTTPParseError) {
        received = try parser.feed(pending[...])
      } catch {
        throw Failure(status: 502, message: "in.ctcs at \(options.address) gave an answer that is not HTTP (\(error)).")
      }
      if received != nil { continue }
      guard case .data(let bytes) = connection.read(maximum: 65536, deadline: deadline) else {
        let what = parser.bufferedCount > 0 ? "stopped before the end of its answer's head" : "closed without an answer"
        throw Failure(status: 502, message: "in.ctcs at \(options.address) \(what).")
      }
      pending = bytes
    }
    guard let (head, rest) = received else { return }
    var text = "Status: \(head.status) \(head.reason)\r\n"
    for field in head.headers.fields {
      let name = ASCII.lowercased(field.name)
      if ["connection", "content-length", "transfer-encoding", "keep-alive"].contains(name) { continue }
      text += "\(field.name): \(field.value)\r\n"
    }
    PageRelay.writeAll(Array((text + "\r\n").utf8))
    guard method != "HEAD", head.status != 204, head.status != 304 else { return }
    var left = head.contentLength ?? Int.max
    var chunk = rest
    while true {
      let part = chunk.prefix(left)
      PageRelay.writeAll(Array(part))
      left -= part.count
      guard left > 0, case .data(let bytes) = connection.read(maximum: 65536, deadline: deadline) else { break }
      chunk = bytes
    }
    if left > 0 && head.contentLength != nil { log.error("in.ctcs at \(options.address) cut its answer short") }
  }

  /// A connected TCP socket to in.ctcs, within connectSeconds.
  private func connect() throws(Failure) -> Int32 {
    let family = if case .ipv6 = options.address { AF_INET6 } else { AF_INET }
    let fd = socket(family, slug_sock_stream | slug_sock_cloexec | slug_sock_nonblock, 0)
    guard fd >= 0 else { throw unreachable(String(cString: strerror(slug_errno()))) }
    if options.address.withSockaddr({ CLibc.connect(fd, $0, $1) }) == 0 { return fd }
    var code = slug_errno()
    if code == EINPROGRESS {
      var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
      let deadline = Deadline.after(seconds: PageRelay.connectSeconds)
      var ready: Int32 = -1
      repeat { ready = poll(&descriptor, 1, deadline.remainingMilliseconds) } while ready < 0 && slug_errno() == EINTR
      var length = socklen_t(MemoryLayout<Int32>.size)
      code = ready == 0 ? ETIMEDOUT : 0
      if ready > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = slug_errno() }
      if code == 0 { return fd }
    }
    close(fd)
    throw unreachable(String(cString: strerror(code)))
  }

  private func unreachable(_ why: String) -> Failure {
    Failure(status: 503, message: "The torrent service (in.ctcs at \(options.address)) cannot be reached: \(why).")
  }

  /// The relay's own error page, logged to in.www's error log.
  private func answer(_ failure: Failure, method: String) {
    log.error(failure.message)
    let body =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Torrents</title></head><body>\n"
      + "<p id=\"error\">\(HTML.escape(failure.message))</p>\n</body></html>\n"
    var text = "Status: \(failure.status) \(HTTPStatus.reason(failure.status))\r\n"
    for field in TorrentPage.headers { text += field + "\r\n" }
    text += "\r\n"
    PageRelay.writeAll(Array((method == "HEAD" ? text : text + body).utf8))
  }

  // MARK: - CGI plumbing

  static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// TEXT as a URL path (or query, with KEEPING): bytes outside the unreserved and sub-delim
  /// characters, '/', ':' and '@' percent-encoded.
  static func urlPath(_ text: String, keeping: String = "") -> String {
    let allowed = Array("-._~!$&'()*+,;=:@/".utf8) + Array(keeping.utf8)
    var bytes: [UInt8] = []
    for byte in text.utf8 {
      if ASCII.isAlphanumeric(byte) || allowed.contains(byte) {
        bytes.append(byte)
      } else {
        bytes += [UInt8(ascii: "%"), ASCII.hexDigit(Int(byte >> 4)), ASCII.hexDigit(Int(byte & 0x0F))]
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// LENGTH bytes of standard input, or what there is of them.
  static func readBody(_ length: Int) -> [UInt8] {
    var body = [UInt8](repeating: 0, count: length)
    var filled = 0
    while filled < body.count {
      let count = body.withUnsafeMutableBytes { read(0, $0.baseAddress! + filled, $0.count - filled) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { break }
      filled += count
    }
    return Array(body[..<filled])
  }

  static func writeAll(_ bytes: [UInt8]) {
    var written = 0
    while written < bytes.count {
      let count = bytes.withUnsafeBytes { write(1, $0.baseAddress! + written, $0.count - written) }
      if count < 0 && slug_errno() == EINTR { continue }
      guard count > 0 else { return }
      written += count
    }
  }
}

/// The relay as a program: no socket (stdin is the request body), and its log goes to the web
/// server's error log.
extension PageRelay: DaemonProgram {
  static let standardInput: [StandardInput] = []
  static let inetdLine = "none: a CGI program of in.www"
  static var logDestination: Log.Destination { .standardError }

  static func load(_ options: PageOptions, log: Log) throws(StartupError) {}

  static func describe(_ options: PageOptions, _ configuration: Void) -> String {
    """
    ctcs \(options.address)
    maximum-body \(TorrentPage.maximumBodyBytes)
    """
  }

  static func serve(_ options: PageOptions, _ configuration: Void, on input: StandardInput?, log: Log) -> Int32 {
    PageRelay(options: options, log: log).run()
    return 0
  }
}
