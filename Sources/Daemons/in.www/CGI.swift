import CLibc

/// CGI/1.1 (RFC 3875): the script runs with posix_spawn, no shell, in its own directory; the
/// request body is streamed to its stdin and its output to the client in one poll loop
/// (ScriptRun), bounded by --cgi-timeout.
extension WebServer {
  /// Output held before the head is sent: a script that fails within it still gets a clean
  /// 500, and a short answer goes out with a Content-Length (keep-alive for HTTP/1.0 too).
  static let heldOutput = 65536

  func runScript(_ script: Script, query: String, head: HTTPRequestHead, exchange: inout Exchange) -> Bool {
    guard access(script.path, X_OK) == 0 else {
      log.error("\(script.path) is not executable")
      return sendError(403, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    guard !head.isChunked else {
      return sendError(411, for: head, keepAlive: false, exchange: &exchange)
    }
    let directory = String(decoding: script.path.utf8[..<script.path.utf8.lastIndex(of: UInt8(ascii: "/"))!], as: UTF8.self)
    let child: CGIProcess
    switch CGIProcess.spawn(script.path, directory: directory.isEmpty ? "/" : directory,
                            environment: environment(for: script, query: query, head: head)) {
    case .success(let started):
      child = started
    case .failure(let error):
      log.error("cannot run \(script.path): \(error.description)")
      return sendError(500, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    if (head.contentLength ?? 0) > 0 { continueIfExpected(head) }
    var run = ScriptRun(server: self, child: child, head: head, bodyLength: head.contentLength ?? 0)
    let outcome = run.pump(deadline: .after(seconds: options.cgiTimeoutSeconds), exchange: &exchange)
    if !run.errors.isEmpty {
      for line in run.errors.split(separator: ASCII.lf).map({ String(decoding: $0, as: UTF8.self) }) {
        log.error("\(script.name): \(line)")
      }
    }
    switch outcome {
    case .failed(let reason):
      log.error("\(script.name): \(reason)")
      if run.headSent { return false }
      return sendError(500, for: head, keepAlive: false, exchange: &exchange)
    case .finished:
      return run.keepAlive
    }
  }

  /// The CGI/1.1 meta-variables (RFC 3875 §4.1) and one HTTP_* per request header.
  func environment(for script: Script, query: String, head: HTTPRequestHead) -> [String] {
    let root = options.documentRoot.bytesEqual("/") ? "" : options.documentRoot
    var variables: [(name: String, value: String)] = [
      ("GATEWAY_INTERFACE", "CGI/1.1"), ("SERVER_SOFTWARE", "in.www"), ("PATH", "/usr/local/bin:/usr/bin:/bin"),
      ("SERVER_PROTOCOL", head.version.text), ("REQUEST_METHOD", head.method),
      ("REQUEST_URI", head.target), ("SCRIPT_NAME", script.name), ("SCRIPT_FILENAME", script.path),
      ("QUERY_STRING", query), ("DOCUMENT_ROOT", options.documentRoot), ("PATH_INFO", script.pathInfo),
    ]
    if !script.pathInfo.isEmpty { variables.append(("PATH_TRANSLATED", root + script.pathInfo)) }
    if let peer {
      variables.append(("REMOTE_ADDR", peer.host))
      variables.append(("REMOTE_PORT", "\(peer.port)"))
    }
    // RFC 3875 leaves these to the server; Apache's names, which scripts test.
    variables.append(("REQUEST_SCHEME", tls == nil ? "http" : "https"))
    if tls != nil { variables.append(("HTTPS", "on")) }
    // After a TLS handoff fd 0 is the helper's socketpair, and this names the client's connection still.
    let local = SocketAddress.local(of: connection.fd)
    if let local {
      variables.append(("SERVER_ADDR", local.host))
      variables.append(("SERVER_PORT", "\(local.port)"))
    }
    variables.append(("SERVER_NAME", head.headers.first("Host").map(WebServer.hostWithoutPort) ?? local?.host ?? "localhost"))
    if let length = head.contentLength { variables.append(("CONTENT_LENGTH", "\(length)")) }
    if let type = head.headers.first("Content-Type") { variables.append(("CONTENT_TYPE", type)) }
    for field in head.headers.fields {
      guard let name = WebServer.metaVariableName(field.name) else { continue }
      // Content-* have their own variables; HTTP_PROXY would redirect the script's own requests (httpoxy).
      if name.bytesEqual("HTTP_CONTENT_LENGTH") || name.bytesEqual("HTTP_CONTENT_TYPE") || name.bytesEqual("HTTP_PROXY") { continue }
      if let index = variables.firstIndex(where: { $0.name.bytesEqual(name) }) {
        variables[index].value += ", " + field.value
      } else {
        variables.append((name, field.value))
      }
    }
    return variables.map { $0.name + "=" + $0.value }
  }

  /// `User-Agent` -> `HTTP_USER_AGENT`; nil for a name that is not letters, digits and '-'.
  static func metaVariableName(_ header: String) -> String? {
    var name = Array("HTTP_".utf8)
    for byte in header.utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"): name.append(byte - 32)
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): name.append(byte)
      case UInt8(ascii: "-"): name.append(UInt8(ascii: "_"))
      default: return nil
      }
    }
    return String(decoding: name, as: UTF8.self)
  }

  static func hostWithoutPort(_ host: String) -> String {
    if host.utf8.first == UInt8(ascii: "["), let end = host.utf8.firstIndex(of: UInt8(ascii: "]")) {
      return String(decoding: host.utf8[...end], as: UTF8.self)
    }
    return String(decoding: host.utf8.prefix { $0 != ASCII.colon }, as: UTF8.self)
  }
}

/// A running script and our ends of its three pipes (non-blocking).
struct CGIProcess {
  var pid: pid_t
  var input: Int32
  var output: Int32
  var errors: Int32

  /// Starts the script in `directory` with pipes as its stdin, stdout and stderr, and in a
  /// process group of its own, so a timeout kills what it started too.
  static func spawn(_ path: String, directory: String, environment: [String]) -> Result<CGIProcess, Spawn.Failure> {
    var pipes: [[Int32]] = []
    for _ in 0..<3 {
      var ends: [Int32] = [-1, -1]
      guard pipe(&ends) == 0 else {
        let code = slug_errno()
        for fd in pipes.joined() { close(fd) }
        return .failure(Spawn.Failure(code: code))
      }
      pipes.append(ends)
    }
    let (input, output, errors) = (pipes[0], pipes[1], pipes[2])
    let started = Spawn.start(
      [path], standardInput: .ours(input[0]), standardOutput: .ours(output[1]), standardError: .ours(errors[1]),
      directory: directory, environment: environment, grouping: .processGroup)
    close(input[0])
    close(output[1])
    close(errors[1])
    switch started {
    case .failure(let failure):
      close(input[1])
      close(output[0])
      close(errors[0])
      return .failure(failure)
    case .success(let pid):
      for fd in [input[1], output[0], errors[0]] {
        _ = slug_fcntl(fd, F_SETFL, slug_fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
      }
      return .success(CGIProcess(pid: pid, input: input[1], output: output[0], errors: errors[0]))
    }
  }
}
