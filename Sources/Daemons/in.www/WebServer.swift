import CLibc

/// One inetd connection on fd 0: request heads read one after another, each answered before
/// the next is read, until the client closes, idles past `-t`, or the exchange cannot go on.
final class WebServer {
  let options: WebServerOptions
  let log: Log
  let connection = StreamConnection(fd: 0)
  let peer: SocketAddress?
  /// The TLS session when fds 0 and 1 are the TLS helper's plaintext side (`--tls`).
  let tls: TLSSession?
  var accessLog: AccessLog
  /// Bytes read past the last request head: its body, or the next pipelined request.
  var pending: [UInt8] = []
  /// The document root with its symlinks resolved, looked up once a request needs it.
  lazy var realDocumentRoot: String? = WebServer.realPath(options.documentRoot)

  init(options: WebServerOptions, log: Log, tls: TLSSession? = nil) {
    self.options = options
    self.log = log
    self.tls = tls
    peer = connection.peer
    accessLog = AccessLog(path: options.logFile, log: log)
  }

  /// What reading the next request head came to.
  enum Incoming {
    case head(HTTPRequestHead)
    /// The client closed or stayed idle between requests: leave quietly.
    case closed
    /// Answer with this status, then close.
    case rejected(Int, String)
  }

  func run() -> Int32 {
    while true {
      switch readHead() {
      case .head(let head):
        var exchange = Exchange(head: head)
        let keepAlive = respond(to: head, exchange: &exchange)
        accessLog.write(exchange, peer: peer?.host ?? "-")
        if !keepAlive {
          drainBeforeClosing()
          return 0
        }
      case .closed:
        return 0
      case .rejected(let status, let reason):
        log.info("\(peer?.host ?? "-"): \(reason)")
        var exchange = Exchange(head: nil)
        _ = sendError(status, for: nil, keepAlive: false, exchange: &exchange)
        accessLog.write(exchange, peer: peer?.host ?? "-")
        drainBeforeClosing()
        return 0
      }
    }
  }

  /// Before closing, maybe with a request body or pipelined requests still arriving: closing
  /// with unread input would reset the connection and could destroy the answer before the
  /// client reads it, so our side is shut first and the rest read and dropped until the
  /// client closes too, for a second at most.
  func drainBeforeClosing() {
    shutdown(connection.fd, Int32(SHUT_WR))
    let deadline = Deadline.after(seconds: 1)
    while case .data = connection.read(maximum: 65536, deadline: deadline) {}
  }

  /// Waits `-t` seconds for a request to start, then `-r` seconds for the whole head.
  func readHead() -> Incoming {
    var parser = HTTPRequestParser()
    var input = pending
    pending = []
    var started = !input.isEmpty
    var deadline = Deadline.after(seconds: started ? options.readSeconds : options.idleSeconds)
    while true {
      if !input.isEmpty {
        do throws(HTTPParseError) {
          if let parsed = try parser.feed(input[...]) {
            pending = parsed.rest
            return .head(parsed.head)
          }
        } catch {
          return .rejected(error.status, error.description)
        }
      }
      switch connection.read(maximum: 16384, deadline: deadline) {
      case .data(let bytes):
        if !started {
          started = true
          deadline = .after(seconds: options.readSeconds)
        }
        input = bytes
      case .timedOut:
        return started ? .rejected(408, "request head not complete within \(options.readSeconds) s") : .closed
      case .end, .failed:
        return .closed
      }
    }
  }

  /// Answers one request; returns whether the connection can carry another.
  func respond(to head: HTTPRequestHead, exchange: inout Exchange) -> Bool {
    if tls != nil, let answered = serveUpload(head, exchange: &exchange) { return answered }
    let method = head.method
    guard method.bytesEqual("GET") || method.bytesEqual("HEAD") || method.bytesEqual("POST") else {
      let known = ["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "CONNECT"].contains { $0.bytesEqual(method) }
      return sendError(known ? 405 : 501, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    guard let target = RequestTarget(head.target) else {
      return sendError(400, for: head, keepAlive: false, exchange: &exchange)
    }
    guard let located = RequestPath.segments(of: target.origin) else {
      log.info("\(peer?.host ?? "-"): refused \(target.origin)")
      return sendError(403, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    let resource = resolve(located.segments, trailingSlash: located.trailingSlash, rawPath: target.rawPath,
                           query: located.query)
    switch resource {
    case .script(let script):
      return runScript(script, query: located.query ?? "", head: head, exchange: &exchange)
    case .notFound:
      return sendError(404, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    case .forbidden:
      return sendError(403, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    case .redirect(let location):
      var headers = HTTPHeaders()
      headers.add("Location", location)
      return sendError(301, for: head, extraHeaders: headers, keepAlive: droppingBody(of: head), exchange: &exchange)
    case .file(let path):
      return serveFile(path, head: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    case .directory(let path):
      return serveListing(
        path, urlPath: "/" + located.segments.map { $0 + "/" }.joined(), head: head,
        keepAlive: droppingBody(of: head), exchange: &exchange)
    }
  }

  /// Whether the connection can go on once the body this request carries is dropped.
  func droppingBody(of head: HTTPRequestHead) -> Bool {
    let dropped = discardBody(of: head)
    return head.keepAlive && dropped
  }

  /// Reads and drops a request body the resource does not take, so the next request on the
  /// connection starts where it should; false when it cannot (chunked, too large, too slow).
  func discardBody(of head: HTTPRequestHead) -> Bool {
    if head.isChunked { return false }
    var left = head.contentLength ?? 0
    guard left <= 1 << 20 else { return false }
    if left > 0 { continueIfExpected(head) }
    let taken = min(left, pending.count)
    pending.removeFirst(taken)
    left -= taken
    let deadline = Deadline.after(seconds: options.readSeconds)
    while left > 0 {
      guard case .data(let bytes) = connection.read(maximum: min(left, 65536), deadline: deadline) else {
        return false
      }
      if bytes.count > left {
        pending = Array(bytes[left...])
        left = 0
      } else {
        left -= bytes.count
      }
    }
    return true
  }

  /// RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` waits for this before its body.
  func continueIfExpected(_ head: HTTPRequestHead) {
    guard head.version == .http11, pending.isEmpty, head.headers.listContains("Expect", "100-continue") else { return }
    _ = write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
  }

  // MARK: Writing responses

  /// The head of every response: Date, Server, the connection's fate, then `headers`.
  func sendHead(
    _ status: Int, headers: HTTPHeaders, for head: HTTPRequestHead?, keepAlive: Bool, exchange: inout Exchange
  ) -> Bool {
    var all = HTTPHeaders()
    var now = time_t()
    time(&now)
    all.add("Date", HTTPDate.format(Int64(now)))
    all.add("Server", "in.www")
    // RFC 6797 §7.2: over HTTPS only; a header on plain HTTP would be ignored, or worse.
    if tls != nil, let seconds = options.hstsSeconds { all.add("Strict-Transport-Security", "max-age=\(seconds)") }
    for field in headers.fields { all.add(field.name, field.value) }
    if !keepAlive {
      all.add("Connection", "close")
    } else if head?.version == .http10 {
      all.add("Connection", "keep-alive")
    }
    exchange.status = status
    return write(serializeResponseHead(version: .http11, status: status, headers: all))
  }

  /// Writes all of `bytes`, giving a client that stops reading `-r` seconds per write.
  func write(_ bytes: [UInt8]) -> Bool {
    connection.write(bytes, deadline: .after(seconds: options.readSeconds)) == .written
  }

  /// A short HTML page for a status; HEAD gets the head only.
  func sendError(
    _ status: Int, for head: HTTPRequestHead?, extraHeaders: HTTPHeaders = HTTPHeaders(), keepAlive: Bool,
    exchange: inout Exchange
  ) -> Bool {
    let title = "\(status) \(HTTPStatus.reason(status))"
    let body = Array("<!DOCTYPE html>\n<html><head><title>\(title)</title></head><body><h1>\(title)</h1></body></html>\n".utf8)
    var headers = extraHeaders
    if status == 405 || status == 501, !headers.contains("Allow") { headers.add("Allow", "GET, HEAD, POST") }
    headers.add("Content-Type", "text/html; charset=utf-8")
    headers.add("Content-Length", "\(body.count)")
    guard sendHead(status, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange) else { return false }
    if head?.method.bytesEqual("HEAD") == true { return keepAlive }
    exchange.bytes = Int64(body.count)
    return write(body) && keepAlive
  }
}

extension WebServer: DaemonProgram {
  static let standardInput: [StandardInput] = [.streamSocket]
  static let inetdLine = "http stream tcp nowait"

  /// The document root must be a directory before anything is looked up in it; with `--tls`,
  /// the TLS directory must hold a certificate and its key (two stats: the helper reads them).
  static func load(_ options: WebServerOptions, log: Log) throws(StartupError) {
    var status = stat()
    guard stat(options.documentRoot, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFDIR) else {
      throw StartupError("document root \(options.documentRoot) is not a directory", exitCode: EX_NOINPUT)
    }
    if options.tls, !TLSHandoff.isConfigured(directory: options.tlsDirectory) {
      throw StartupError(
        "no certificate in \(options.tlsDirectory) (\(TLSHandoff.chainFile) and \(TLSHandoff.keyFile)): run slugctl tls init",
        exitCode: EX_CONFIG)
    }
  }

  /// `-n` also has slug-tls open the certificate and key, as at each connection: expired, or a
  /// key that does not match, is said here rather than to the first client.
  static func loadForChecking(_ options: WebServerOptions, log: Log) throws(StartupError) {
    try load(options, log: log)
    guard options.tls else { return }
    try TLSHandoff.check(directory: options.tlsDirectory, log: log)
  }

  static func describe(_ options: WebServerOptions, _ configuration: Void) -> String {
    var lines = ["document-root \(options.documentRoot)"]
    lines += options.indexNames.map { "index \($0)" }
    lines += [
      "idle \(options.idleSeconds)",
      "read-timeout \(options.readSeconds)",
      "cgi \(options.cgi ? "yes" : "no")",
      "cgi-timeout \(options.cgiTimeoutSeconds)",
      "follow-symlinks \(options.followSymlinks ? "yes" : "no")",
      "access-log \(options.logFile ?? "none")",
      options.caps.description,
      "tls \(options.tls ? "yes" : "no")",
    ]
    if options.tls {
      lines += [
        "tls-dir \(options.tlsDirectory)",
        "tls-certificate \(options.tlsDirectory)/\(TLSHandoff.chainFile)",
        "tls-key \(options.tlsDirectory)/\(TLSHandoff.keyFile)",
        "hsts \(options.hstsSeconds.map { "max-age=\($0)" } ?? "no")",
        "upload-dir \(options.uploadDirectory)",
      ]
    }
    return lines.joined(separator: "\n")
  }

  static func serve(_ options: WebServerOptions, _ configuration: Void, on input: StandardInput?, log: Log) -> Int32 {
    if case .refused = ConnectionSlot.take(program: "in.www", caps: options.caps, log: log) {
      // A TLS client would read the plain 503 as a broken handshake: it gets the close alone.
      ConnectionSlot.refuse(with: options.tls ? [] : busyReply)
      return 0
    }
    guard options.tls else { return WebServer(options: options, log: log).run() }
    // Before a byte is read; the helper logs a failed handshake with the client's address.
    guard let session = TLSHandoff.start(directory: options.tlsDirectory, log: log, handshakeSeconds: options.readSeconds)
    else { return 0 }
    return WebServer(options: options, log: log, tls: session).run()
  }

  /// What a client past a cap gets, before its request is read: it may try again shortly.
  static let busyReply: [UInt8] = {
    let body = "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1><p>Too many connections; try again shortly.</p></body></html>\n"
    return Array(("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/html; charset=utf-8\r\n"
      + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body).utf8)
  }()
}

/// The request-target in origin-form (`/path?query`): absolute-form (`http://host/path`)
/// loses its scheme and authority; anything else (`*`, authority-form) is refused.
struct RequestTarget {
  var origin: String
  /// The path as sent, still escaped, for a redirect's Location.
  var rawPath: String

  init?(_ target: String) {
    var origin = target
    for scheme in ["http://", "https://"] where target.bytesHavePrefix(scheme) {
      let authority = target.utf8.dropFirst(scheme.utf8.count)
      if let start = authority.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) {
        origin = (authority[start] == UInt8(ascii: "?") ? "/" : "") + String(decoding: authority[start...], as: UTF8.self)
      } else {
        origin = "/"
      }
    }
    guard origin.utf8.first == UInt8(ascii: "/") else { return nil }
    self.origin = origin
    rawPath = String(decoding: origin.utf8.prefix { $0 != UInt8(ascii: "?") }, as: UTF8.self)
  }
}
