import CLibc

/// One client connection: requests read one after another (keep-alive, pipelining), each
/// forwarded to its origin on a fresh connection and its response relayed back, or a CONNECT
/// tunnel that ends the session.
struct ProxySession {
  let options: ProxyOptions
  let policy: DestinationPolicy
  let log: Log
  var client = Endpoint(fd: 0)
  let peerText: String
  let peerAllowed: Bool

  init(options: ProxyOptions, policy: DestinationPolicy, log: Log) {
    self.options = options
    self.policy = policy
    self.log = log
    let peer = client.connection.peer
    peerText = peer?.host ?? "-"
    peerAllowed = peer.map { options.allows($0) } ?? false
  }

  var timeout: Deadline { .after(seconds: options.timeoutSeconds) }

  /// Serves requests until the client closes, stays idle past `-t`, or a response cannot be
  /// framed for reuse. Returns the exit status.
  mutating func run() -> Int32 {
    while true {
      switch readRequestHead() {
      case .head(let head):
        guard serve(head) else { return 0 }
      case .finished:
        return 0
      case .malformed(let error):
        reply(error.status, error.description, method: "-", target: "-")
        return 0
      }
    }
  }

  enum RequestRead {
    case head(HTTPRequestHead)
    case finished
    case malformed(HTTPParseError)
  }

  /// The next request head: the first byte may take the idle period, the rest `--timeout`.
  mutating func readRequestHead() -> RequestRead {
    var parser = HTTPRequestParser()
    var deadline = Deadline.after(seconds: options.idleSeconds)
    var started = false
    while true {
      switch client.next(deadline: deadline) {
      case .data(let bytes):
        if !started {
          started = true
          deadline = timeout
        }
        do throws(HTTPParseError) {
          if let (head, rest) = try parser.feed(bytes[...]) {
            client.pending = rest + client.pending
            return .head(head)
          }
        } catch {
          return .malformed(error)
        }
      case .end, .timedOut, .failed:
        return .finished
      }
    }
  }

  /// Answers one request; true when the connection may carry another.
  mutating func serve(_ head: HTTPRequestHead) -> Bool {
    guard peerAllowed else {
      reply(403, "\(peerText) may not use this proxy", method: head.method, target: head.target)
      return false
    }
    if head.method.bytesEqual("CONNECT") {
      tunnel(head)
      return false
    }
    guard let (authority, path) = ProxySession.absoluteTarget(head.target) else {
      reply(400, "the request target must be an absolute http:// URL", method: head.method, target: head.target)
      return false
    }
    let fd: Int32
    do throws(OriginFailure) {
      fd = try authority.connect(before: timeout, checking: policy)
    } catch {
      fail(error, head)
      return false
    }
    defer { close(fd) }
    var origin = Endpoint(fd: fd)

    var headers = head.headers
    let expectsContinue = headers.first("Expect").map { ASCII.equalsIgnoringCase($0, "100-continue") } ?? false
    ProxySession.removeHopByHop(&headers)
    headers.remove("Expect")
    headers.remove("Host")
    headers.add("Host", authority.port == 80 ? hostText(authority) : "\(hostText(authority)):\(authority.port)")
    let framing: Framing =
      if head.isChunked { .chunked } else if let length = head.contentLength, length > 0 { .length(length) } else { .none }
    if head.isChunked {
      headers.remove("Content-Length")
      headers.add("Transfer-Encoding", "chunked")
    }
    headers.add("Via", "1.1 slug")
    headers.add("Connection", "close")
    let requestHead = serializeRequestHead(method: head.method, target: path, version: .http11, headers: headers)
    guard origin.write(requestHead, deadline: timeout) else {
      reply(502, "the origin closed the connection", method: head.method, target: head.target)
      return false
    }
    if framing != .none {
      if expectsContinue && head.version == .http11 {
        guard client.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), deadline: timeout) else { return false }
      }
      var forwarded = 0
      switch relayBody(from: &client, to: origin.connection, framing: framing, reencode: head.isChunked, counted: &forwarded) {
      case .done: break
      case .sourceFailed: return false
      case .destinationFailed:
        reply(502, "the origin stopped reading the request body", method: head.method, target: head.target)
        return false
      }
    }
    return relayResponse(from: &origin, for: head)
  }

  /// Reads the origin's response head and relays it and its body, re-framed for the client.
  mutating func relayResponse(from origin: inout Endpoint, for request: HTTPRequestHead) -> Bool {
    var parser = HTTPResponseParser()
    var response: HTTPResponseHead?
    while response == nil {
      switch origin.next(deadline: timeout) {
      case .data(let bytes):
        do throws(HTTPParseError) {
          if let (head, rest) = try parser.feed(bytes[...]) {
            origin.pending = rest + origin.pending
            // Interim responses (103 Early Hints; 100 since Expect is not forwarded) are dropped;
            // the final response follows in the bytes already read or still to come.
            if head.status >= 100 && head.status < 200 {
              if head.status == 101 {
                reply(502, "the origin switched protocols", method: request.method, target: request.target)
                return false
              }
              parser = HTTPResponseParser()
              continue
            }
            response = head
          }
        } catch {
          reply(502, "the origin sent a malformed response: \(error.description)", method: request.method, target: request.target)
          return false
        }
      case .timedOut:
        reply(504, "the origin did not answer in time", method: request.method, target: request.target)
        return false
      case .end, .failed:
        reply(502, "the origin closed the connection without answering", method: request.method, target: request.target)
        return false
      }
    }
    guard var head = response else { return false }

    let originFraming = ProxySession.framing(of: head, request: request)
    let clientSpeaks11 = request.version == .http11
    var clientFraming = originFraming
    switch originFraming {
    case .chunked, .untilClose: clientFraming = clientSpeaks11 ? .chunked : .untilClose
    case .none, .length: break
    }
    let keepAlive = request.keepAlive && clientFraming != .untilClose
    ProxySession.removeHopByHop(&head.headers)
    if clientFraming == .chunked {
      head.headers.remove("Content-Length")
      head.headers.add("Transfer-Encoding", "chunked")
    } else if clientFraming == .untilClose {
      head.headers.remove("Content-Length")
    }
    head.headers.add("Via", "1.1 slug")
    if !keepAlive {
      head.headers.add("Connection", "close")
    } else if !clientSpeaks11 {
      head.headers.add("Connection", "keep-alive")
    }
    let bytes = serializeResponseHead(version: .http11, status: head.status, reason: head.reason, headers: head.headers)
    guard client.write(bytes, deadline: timeout) else { return false }
    var sent = 0
    var outcome = RelayOutcome.done
    if originFraming != .none {
      outcome = relayBody(
        from: &origin, to: client.connection, framing: originFraming,
        reencode: clientFraming == .chunked, counted: &sent)
    }
    logRequest(request.method, request.target, status: head.status, bytes: sent)
    return outcome == .done && keepAlive
  }

  /// How a message body is delimited.
  enum Framing: Equatable {
    case none
    case length(Int)
    case chunked
    /// Until the sender closes: a response without Content-Length or chunked coding.
    case untilClose
  }

  enum RelayOutcome: Equatable { case done, sourceFailed, destinationFailed }

  /// Streams one body from `source` to `destination`: `reencode` writes it chunked (whatever
  /// the source framing), else as it is decoded. `counted` adds up the body bytes written.
  func relayBody(
    from source: inout Endpoint, to destination: StreamConnection, framing: Framing, reencode: Bool,
    counted: inout Int
  ) -> RelayOutcome {
    var remaining = 0
    var decoder = ChunkedDecoder()
    if case .length(let length) = framing { remaining = length }
    if framing == .none || framing == .length(0) { return .done }
    while true {
      var maximum = 65536
      if case .length = framing { maximum = min(remaining, maximum) }
      var data: [UInt8]
      var finished = false
      switch source.next(maximum: maximum, deadline: timeout) {
      case .data(let bytes):
        switch framing {
        case .length:
          data = bytes
          remaining -= bytes.count
          finished = remaining == 0
        case .chunked:
          do throws(HTTPParseError) {
            let decoded = try decoder.feed(bytes[...])
            data = decoded.data
            if decoded.done {
              finished = true
              source.pending = decoded.rest + source.pending
            }
          } catch {
            return .sourceFailed
          }
        case .untilClose, .none:
          data = bytes
        }
      case .end:
        guard framing == .untilClose else { return .sourceFailed }
        data = []
        finished = true
      case .timedOut, .failed:
        return .sourceFailed
      }
      var output = data
      if reencode && !data.isEmpty { output = Chunked.encode(data[...]) }
      if reencode && finished { output += Chunked.end }
      if !output.isEmpty {
        guard destination.write(output, deadline: timeout) == .written else { return .destinationFailed }
      }
      counted += data.count
      if finished { return .done }
    }
  }

  /// The response body's framing (RFC 9112 §6.3).
  static func framing(of head: HTTPResponseHead, request: HTTPRequestHead) -> Framing {
    if request.method.bytesEqual("HEAD") || head.status < 200 || head.status == 204 || head.status == 304 { return .none }
    if head.isChunked { return .chunked }
    // Another coding last: only the close delimits it.
    if head.headers.first("Transfer-Encoding") != nil { return .untilClose }
    return head.contentLength.map { .length($0) } ?? .untilClose
  }

  /// A CONNECT tunnel to an allowed port: "200 Connection established", then bytes both ways
  /// until either side closes or both stay silent for the idle period.
  mutating func tunnel(_ head: HTTPRequestHead) {
    guard let authority = Authority(Substring(head.target), defaultPort: nil) else {
      reply(400, "CONNECT needs host:port", method: head.method, target: head.target)
      return
    }
    guard options.connectPorts.contains(authority.port) else {
      reply(403, "CONNECT to port \(authority.port) is not allowed", method: head.method, target: head.target)
      return
    }
    let fd: Int32
    do throws(OriginFailure) {
      fd = try authority.connect(before: timeout, checking: policy)
    } catch {
      fail(error, head)
      return
    }
    defer { close(fd) }
    guard client.write(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8), deadline: timeout) else { return }
    logRequest(head.method, head.target, status: 200, bytes: 0)
    let origin = Endpoint(fd: fd)
    guard origin.write(client.pending, deadline: timeout) else { return }
    client.pending = []
    var descriptors = [pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0), pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let ready = poll(&descriptors, 2, Deadline.after(seconds: options.idleSeconds).remainingMilliseconds)
      if ready < 0 && slug_errno() == EINTR { continue }
      if ready <= 0 { return }
      for index in 0..<2 where descriptors[index].revents != 0 {
        let from = descriptors[index].fd
        let to = index == 0 ? origin.connection : client.connection
        let count = buffer.withUnsafeMutableBytes { CLibc.read(from, $0.baseAddress, $0.count) }
        if count < 0 && (slug_errno() == EINTR || slug_errno() == EAGAIN) { continue }
        if count <= 0 { return }
        guard to.write(Array(buffer.prefix(count)), deadline: .after(seconds: options.idleSeconds)) == .written else { return }
      }
    }
  }

  /// An error answer with a one-line body; the connection closes after it.
  func reply(_ status: Int, _ message: String, method: String, target: String) {
    let body = Array("\(status) \(HTTPStatus.reason(status)): \(message)\n".utf8)
    var headers = HTTPHeaders()
    headers.add("Content-Type", "text/plain")
    headers.add("Content-Length", String(body.count))
    headers.add("Connection", "close")
    _ = client.write(serializeResponseHead(version: .http11, status: status, headers: headers) + body, deadline: timeout)
    logRequest(method, target, status: status, bytes: body.count, reason: message)
  }

  /// One line per request: client, request, status, body bytes sent, and why for an error.
  func logRequest(_ method: String, _ target: String, status: Int, bytes: Int, reason: String? = nil) {
    let line = "\(peerText) \"\(method) \(target)\" \(status) \(bytes)"
    if let reason { log.notice(line + ": " + reason) } else { log.info(line) }
  }

  /// Splits `http://authority/path?query` into the origin and the origin-form target; nil for
  /// anything else (origin-form, another scheme).
  static func absoluteTarget(_ target: String) -> (Authority, String)? {
    // As bytes: String's Character operations bring Unicode's tables into in.proxy.
    let scheme = Array("http://".utf8)
    let bytes = Array(target.utf8)
    guard bytes.count > scheme.count, bytes.prefix(scheme.count).map(ASCII.lower).elementsEqual(scheme) else { return nil }
    let rest = bytes[scheme.count...]
    let end = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? rest.endIndex
    guard let authority = Authority(Substring(String(decoding: rest[..<end], as: UTF8.self)), defaultPort: 80) else { return nil }
    var path = rest[end...]
    if let hash = path.firstIndex(of: UInt8(ascii: "#")) { path = path[..<hash] }
    let text = String(decoding: path, as: UTF8.self)
    return (authority, path.first == UInt8(ascii: "/") ? text : "/" + text)
  }

  /// Removes the hop-by-hop fields (RFC 9110 §7.6.1), including those the Connection field
  /// names; the proxy sets its own framing and connection fields.
  static func removeHopByHop(_ headers: inout HTTPHeaders) {
    for value in headers.all("Connection") {
      for name in value.utf8.split(separator: UInt8(ascii: ",")) {
        let field = String(decoding: ASCII.trimmed(name), as: UTF8.self)
        if !field.isEmpty { headers.remove(field) }
      }
    }
    for name in [
      "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
      "Transfer-Encoding", "Upgrade",
    ] {
      headers.remove(name)
    }
  }

  func hostText(_ authority: Authority) -> String {
    authority.host.containsByte(UInt8(ascii: ":")) ? "[\(authority.host)]" : authority.host
  }
}
