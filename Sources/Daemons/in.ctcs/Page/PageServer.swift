import CLibc

/// One HTTP/1.x request on in.ctcs's own port, whose first line was a request line
/// (ControlPortClient): answered with the torrent page, then closed (`Connection: close`).
/// The request is read whole before the page runs: a head of at most `maximumHeadBytes`, a
/// body of at most `TorrentPage.maximumBodyBytes` by Content-Length (no chunked bodies: the
/// forms are small and browsers send their length), each read within `idleSeconds` and the
/// whole within `requestSeconds`; then the page runs and its answer is written within
/// `idleSeconds` too. Anything else gets its HTTP error page.
///
/// torrents.cgi (PageRelay) sends the script's path and the browser's address in two header
/// fields; they are taken from a loopback peer only, and change nothing but where the links
/// point and what the log says: a relayed request has no more power than a browser's.
struct PageServer {
  let storePath: String
  let log: Log
  let connection: StreamConnection
  /// Seconds a browser may stay silent while it sends its request: in.ctcs's `-t`, at most
  /// `longestIdle`.
  let idleSeconds: Int

  static let maximumHeadBytes = 16384
  static let longestIdle = 20
  static let requestSeconds = 120
  /// The page's path as the relay's browser sees it (`/torrents.cgi`); from loopback only.
  static let scriptField = "Slug-Script-Name"
  /// The browser's address behind the relay, for the log; from loopback only.
  static let clientField = "Slug-Client"

  private enum Received {
    case request(PageRequest)
    case refused(TorrentPage.Response, method: String)
    /// The client left or the connection failed: nothing to answer.
    case gone
  }

  /// Serves the request whose first bytes are FIRST; the exit status.
  func serve(_ first: [UInt8]) -> Int32 {
    let peer = connection.peer
    let name = peer?.description ?? "the client"
    switch receive(first, peer: peer) {
    case .request(let request):
      let response = TorrentPage(storePath: storePath, log: log, request: request).respond()
      log.info("\(request.client): \(request.method) ?\(request.query) \(response.status)")
      send(response, withBody: request.method != "HEAD")
    case .refused(let response, let method):
      log.notice("\(name): \(method.isEmpty ? "bad request" : method) refused: \(response.status)")
      send(response, withBody: method != "HEAD")
    case .gone:
      log.info("\(name) closed before its request was complete")
    }
    finish()
    return 0
  }

  private func receive(_ first: [UInt8], peer: SocketAddress?) -> Received {
    let whole = Deadline.after(seconds: PageServer.requestSeconds)
    var parser = HTTPRequestParser(
      maximumRequestLine: ControlPortClient.maximumFirstLine, maximumHeadBytes: PageServer.maximumHeadBytes)
    var bytes = first
    var parsed: (head: HTTPRequestHead, rest: [UInt8])?
    while parsed == nil {
      do throws(HTTPParseError) {
        parsed = try parser.feed(bytes[...])
      } catch {
        return .refused(refusal(error.status, "The request could not be read: \(error.description)."), method: "")
      }
      if parsed != nil { break }
      switch read(before: whole) {
      case .data(let more): bytes = more
      case .timedOut: return .refused(refusal(408, "The request did not arrive in time."), method: "")
      case .end, .failed: return .gone
      }
    }
    guard let (head, rest) = parsed else { return .gone }
    let method = head.method
    guard ["GET", "HEAD", "POST"].contains(method) else {
      var response = refusal(405, "This page answers GET, HEAD and POST only.")
      response.headers.append("Allow: GET, HEAD, POST")
      return .refused(response, method: method)
    }
    let target = head.target.utf8
    let question = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
    guard target[..<question].elementsEqual("/".utf8) else {
      return .refused(refusal(404, "There is no such page here: the torrents are at /."), method: method)
    }
    if head.isChunked { return .refused(refusal(411, "A form is sent with its Content-Length."), method: method) }
    let length = head.contentLength ?? 0
    guard length <= TorrentPage.maximumBodyBytes else { return .refused(refusal(413, "The form is too large."), method: method) }
    var body = Array(rest.prefix(length))
    if body.count < length && head.headers.listContains("Expect", "100-continue") {
      _ = connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), deadline: .after(seconds: idleSeconds))
    }
    while body.count < length {
      switch read(before: whole) {
      case .data(let more): body += more.prefix(length - body.count)
      case .timedOut: return .refused(refusal(408, "The form did not arrive in time."), method: method)
      case .end, .failed: return .gone
      }
    }
    let relayed = peer.map(PageServer.isLoopback) == true
    let script = relayed ? head.headers.first(PageServer.scriptField).flatMap(PageServer.scriptPath) : nil
    let behind = relayed ? head.headers.first(PageServer.clientField).flatMap(PageServer.addressText) : nil
    let client = (peer?.description ?? "the client") + (behind.map { " for \($0)" } ?? "")
    return .request(
      PageRequest(
        method: method, query: String(decoding: target[question...].dropFirst(), as: UTF8.self),
        contentType: head.headers.first("Content-Type") ?? "", body: body, script: script ?? "/", client: client))
  }

  /// The next bytes, waiting at most idleSeconds and never past WHOLE.
  private func read(before whole: Deadline) -> StreamConnection.ReadResult {
    connection.read(maximum: 65536, deadline: min(whole, .after(seconds: idleSeconds)))
  }

  private func refusal(_ status: Int, _ message: String) -> TorrentPage.Response {
    let page = TorrentPage(storePath: storePath, log: log, request: PageRequest(
      method: "GET", query: "", contentType: "", body: [], script: "/", client: ""))
    return TorrentPage.Response(status: "\(status) \(HTTPStatus.reason(status))", body: page.errorPage(message))
  }

  private func send(_ response: TorrentPage.Response, withBody: Bool) {
    let body = Array(response.body.utf8)
    var head = "HTTP/1.1 \(response.status)\r\n"
    for field in TorrentPage.headers + response.headers { head += field + "\r\n" }
    head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
    let bytes = Array(head.utf8) + (withBody ? body : [])
    if connection.write(bytes, deadline: .after(seconds: idleSeconds)) != .written {
      log.info("\(connection.peer?.description ?? "the client") did not take the answer")
    }
  }

  /// Closes our side, then reads what the client still sends (a refused body) for a moment, so
  /// the kernel does not reset the connection before the client has read the answer.
  private func finish() {
    shutdown(connection.fd, Int32(SHUT_WR))
    let until = Deadline.after(seconds: 2)
    var drained = 0
    while drained < 1 << 20, case .data(let bytes) = connection.read(maximum: 65536, deadline: until) { drained += bytes.count }
  }

  static func isLoopback(_ address: SocketAddress) -> Bool {
    if let v4 = address.ipv4Address { return v4 >> 24 == 127 }
    if case .ipv6(let bytes, _, _) = address { return bytes == [UInt8](repeating: 0, count: 15) + [1] }
    return false
  }

  /// A path the page can put in its links (HTML-escaped as well): absolute, printable, no
  /// query, fragment, double quote, angle bracket, backslash or backquote (the relay
  /// percent-encodes those).
  static func scriptPath(_ text: String) -> String? {
    guard text.hasPrefix("/"), text.utf8.count <= 1024,
      text.utf8.allSatisfy({ ASCII.isVisible($0) && !"?#\"<>\\`".utf8.contains($0) })
    else { return nil }
    return text
  }

  /// An IPv4 or IPv6 address as text, or nil.
  static func addressText(_ text: String) -> String? {
    var buffer = in6_addr()
    guard text.utf8.count < 64, inet_pton(AF_INET, text, &buffer) == 1 || inet_pton(AF_INET6, text, &buffer) == 1 else {
      return nil
    }
    return text
  }
}
