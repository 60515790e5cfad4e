import CLibc

/// CGI/1.1 (RFC 3875): the script runs with posix_spawn, no shell, in its own directory; the
/// request body is streamed to its stdin and its output to the client in one poll loop,
/// bounded by --cgi-timeout.
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
    let directory = String(script.path.prefix(upTo: script.path.lastIndex(of: "/")!))
    let child: CGIProcess
    switch CGIProcess.spawn(script.path, directory: directory.isEmpty ? "/" : directory,
                            environment: environment(for: script, query: query, head: head)) {
    case .success(let started):
      child = started
    case .failure(let error):
      log.error("cannot run \(script.path): \(String(cString: strerror(error.code)))")
      return sendError(500, for: head, keepAlive: droppingBody(of: head), exchange: &exchange)
    }
    if (head.contentLength ?? 0) > 0 { continueIfExpected(head) }
    var run = ScriptRun(server: self, child: child, head: head, bodyLength: head.contentLength ?? 0)
    let outcome = run.pump(deadline: .after(seconds: options.cgiTimeoutSeconds), exchange: &exchange)
    if !run.errors.isEmpty {
      for line in String(decoding: run.errors, as: UTF8.self).split(separator: "\n") {
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
    let root = options.documentRoot == "/" ? "" : options.documentRoot
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
      if name == "HTTP_CONTENT_LENGTH" || name == "HTTP_CONTENT_TYPE" || name == "HTTP_PROXY" { continue }
      if let index = variables.firstIndex(where: { $0.name == name }) {
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
    if host.hasPrefix("["), let end = host.firstIndex(of: "]") { return String(host[...end]) }
    return String(host.prefix { $0 != ":" })
  }
}

struct SpawnError: Error { var code: Int32 }

/// A running script and our ends of its three pipes (non-blocking, close-on-exec).
struct CGIProcess {
  var pid: pid_t
  var input: Int32
  var output: Int32
  var errors: Int32

  static func spawn(_ path: String, directory: String, environment: [String]) -> Result<CGIProcess, SpawnError> {
    var input: [Int32] = [-1, -1]
    var output: [Int32] = [-1, -1]
    var errors: [Int32] = [-1, -1]
    guard pipe(&input) == 0 else { return .failure(SpawnError(code: slug_errno())) }
    guard pipe(&output) == 0 else {
      let code = slug_errno()
      for fd in input { close(fd) }
      return .failure(SpawnError(code: code))
    }
    guard pipe(&errors) == 0 else {
      let code = slug_errno()
      for fd in input + output { close(fd) }
      return .failure(SpawnError(code: code))
    }
    for fd in input + output + errors { _ = slug_fcntl(fd, F_SETFD, FD_CLOEXEC) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    slug_spawn_addchdir(&actions, directory)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // We ignore SIGPIPE; the script should not inherit that.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &signals)
    // Its own process group, so a timeout kills what it started too.
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

    var argv: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
    var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, path, &actions, &attributes, &argv, &envp)
    close(input[0])
    close(output[1])
    close(errors[1])
    guard code == 0 else {
      close(input[1])
      close(output[0])
      close(errors[0])
      return .failure(SpawnError(code: code))
    }
    for fd in [input[1], output[0], errors[0]] {
      _ = slug_fcntl(fd, F_SETFL, slug_fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
    }
    return .success(CGIProcess(pid: pid, input: input[1], output: output[0], errors: errors[0]))
  }
}

/// One script's run: request body in, response out, until its output ends or time runs out.
struct ScriptRun {
  enum Outcome {
    case finished
    case failed(String)
  }

  let server: WebServer
  var child: CGIProcess
  let head: HTTPRequestHead
  /// Body bytes not yet read from the client.
  var bodyLeft: Int
  /// Body bytes read, not yet written to the script.
  var toScript: [UInt8] = []
  var clientGone = false
  /// The script's header block, until its end is seen.
  var rawHead: [UInt8] = []
  var response: (status: Int, headers: HTTPHeaders)?
  var held: [UInt8] = []
  var headSent = false
  var chunked = false
  var closeDelimited = false
  var errors: [UInt8] = []

  init(server: WebServer, child: CGIProcess, head: HTTPRequestHead, bodyLength: Int) {
    self.server = server
    self.child = child
    self.head = head
    let taken = min(bodyLength, server.pending.count)
    toScript = Array(server.pending.prefix(taken))
    server.pending.removeFirst(taken)
    bodyLeft = bodyLength - taken
    if toScript.isEmpty && bodyLeft == 0 { closeFD(&self.child.input) }
  }

  var keepAlive: Bool { head.keepAlive && !clientGone && bodyLeft == 0 && !closeDelimited }

  mutating func pump(deadline: Deadline, exchange: inout Exchange) -> Outcome {
    defer {
      closeFD(&child.input)
      closeFD(&child.output)
      closeFD(&child.errors)
    }
    let socket = server.connection.fd
    while child.output >= 0 || child.errors >= 0 {
      var descriptors: [pollfd] = []
      if child.output >= 0 { descriptors.append(pollfd(fd: child.output, events: Int16(POLLIN), revents: 0)) }
      if child.errors >= 0 { descriptors.append(pollfd(fd: child.errors, events: Int16(POLLIN), revents: 0)) }
      if child.input >= 0 && !toScript.isEmpty {
        descriptors.append(pollfd(fd: child.input, events: Int16(POLLOUT), revents: 0))
      } else if child.input >= 0 && bodyLeft > 0 {
        descriptors.append(pollfd(fd: socket, events: Int16(POLLIN), revents: 0))
      }
      let ready = descriptors.withUnsafeMutableBufferPointer {
        poll($0.baseAddress, nfds_t($0.count), deadline.remainingMilliseconds)
      }
      if ready < 0 {
        if slug_errno() == EINTR { continue }
        return stop("poll failed: \(String(cString: strerror(slug_errno())))")
      }
      if ready == 0 { return stop("no answer within \(server.options.cgiTimeoutSeconds) s; killed") }
      for descriptor in descriptors where descriptor.revents != 0 {
        if descriptor.fd == child.output {
          guard let chunk = readSome(child.output) else { continue }
          if chunk.isEmpty {
            closeFD(&child.output)
          } else if let failure = take(chunk, exchange: &exchange) {
            return stop(failure)
          }
        } else if descriptor.fd == child.errors {
          guard let chunk = readSome(child.errors) else { continue }
          if chunk.isEmpty { closeFD(&child.errors) } else if errors.count < 4096 { errors += chunk.prefix(4096 - errors.count) }
        } else if descriptor.fd == child.input {
          feedScript()
        } else if descriptor.fd == socket {
          readBody()
        }
      }
    }
    // Its output is closed: give it until the deadline to exit.
    var status: Int32 = 0
    while waitpid(child.pid, &status, WNOHANG) == 0 {
      if Deadline.now() >= deadline { return stop("closed its output but did not exit; killed") }
      usleep(5000)
    }
    if !headSent {
      guard status == 0 else { return .failed("exited with status \(status >> 8 & 0xFF), signal \(status & 0x7F)") }
      guard let response else { return .failed("output has no header block") }
      var headers = response.headers
      headers.add("Content-Length", "\(held.count)")
      guard server.sendHead(response.status, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange)
      else {
        clientGone = true
        return .finished
      }
      headSent = true
      if head.method != "HEAD" && !held.isEmpty {
        exchange.bytes = Int64(held.count)
        if !server.write(held) { clientGone = true }
      }
    } else if chunked && head.method != "HEAD" {
      if !server.write(Chunked.end) { clientGone = true }
    }
    return .finished
  }

  /// Kills the script and whatever it started (when they still run) and reaps it.
  mutating func stop(_ reason: String) -> Outcome {
    kill(-child.pid, SIGKILL)
    var status: Int32 = 0
    waitpid(child.pid, &status, 0)
    return .failed(reason)
  }

  /// The script's output: its header block first, then body bytes, held until there are
  /// too many to hold.
  mutating func take(_ chunk: [UInt8], exchange: inout Exchange) -> String? {
    if response == nil {
      rawHead += chunk
      guard let end = ScriptRun.headEnd(rawHead) else {
        return rawHead.count > WebServer.heldOutput ? "header block larger than \(WebServer.heldOutput) bytes" : nil
      }
      guard let parsed = ScriptRun.parseHead(rawHead[..<end.head]) else { return "malformed header block" }
      response = parsed
      held = Array(rawHead[end.body...])
      rawHead = []
    } else if !headSent {
      held += chunk
    } else {
      sendBody(chunk, exchange: &exchange)
      return nil
    }
    if !headSent && held.count > WebServer.heldOutput, let response {
      // Too long to hold: frame it with chunks on HTTP/1.1, by closing on HTTP/1.0.
      var headers = response.headers
      if head.version == .http11 {
        chunked = true
        headers.add("Transfer-Encoding", "chunked")
      } else {
        closeDelimited = true
      }
      headSent = true
      guard server.sendHead(response.status, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange)
      else {
        clientGone = true
        return "client went away"
      }
      let body = held
      held = []
      sendBody(body, exchange: &exchange)
    }
    return nil
  }

  mutating func sendBody(_ bytes: [UInt8], exchange: inout Exchange) {
    guard head.method != "HEAD", !clientGone, !bytes.isEmpty else { return }
    exchange.bytes = (exchange.bytes ?? 0) + Int64(bytes.count)
    if !server.write(chunked ? Chunked.encode(bytes[...]) : bytes) { clientGone = true }
  }

  mutating func feedScript() {
    let written = toScript.withUnsafeBytes { CLibc.write(child.input, $0.baseAddress, $0.count) }
    if written > 0 {
      toScript.removeFirst(written)
      if toScript.isEmpty && bodyLeft == 0 { closeFD(&child.input) }
    } else if written < 0 && slug_errno() != EAGAIN && slug_errno() != EINTR {
      // The script stopped reading: the rest of the body is not wanted.
      toScript = []
      closeFD(&child.input)
    }
  }

  mutating func readBody() {
    let socket = server.connection.fd
    var buffer = [UInt8](repeating: 0, count: min(bodyLeft, 65536))
    let count = buffer.withUnsafeMutableBytes { CLibc.read(socket, $0.baseAddress, $0.count) }
    if count > 0 {
      toScript += buffer.prefix(count)
      bodyLeft -= count
    } else if count == 0 || (slug_errno() != EAGAIN && slug_errno() != EINTR) {
      clientGone = true
      if toScript.isEmpty { closeFD(&child.input) }
      bodyLeft = 0
    }
  }

  /// What is available on `fd`: empty at its end, nil when nothing yet.
  func readSome(_ fd: Int32) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 65536)
    let count = buffer.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
    if count > 0 { return Array(buffer.prefix(count)) }
    if count == 0 { return [] }
    let code = slug_errno()
    return code == EAGAIN || code == EINTR ? nil : []
  }

  func closeFD(_ fd: inout Int32) {
    if fd >= 0 { close(fd) }
    fd = -1
  }

  /// Where the header block ends (the blank line, LF or CRLF) and the body starts.
  static func headEnd(_ bytes: [UInt8]) -> (head: Int, body: Int)? {
    var index = 0
    while index < bytes.count {
      if bytes[index] == 0x0A {
        if index + 1 < bytes.count && bytes[index + 1] == 0x0A { return (index, index + 2) }
        if index + 2 < bytes.count && bytes[index + 1] == 0x0D && bytes[index + 2] == 0x0A { return (index, index + 3) }
      }
      index += 1
    }
    return nil
  }

  /// RFC 3875 §6.3: Status sets the status, Location without Status is a 302, the other
  /// fields pass through except those that frame the message, which we do ourselves.
  static func parseHead(_ bytes: ArraySlice<UInt8>) -> (status: Int, headers: HTTPHeaders)? {
    var status: Int?
    var location = false
    var headers = HTTPHeaders()
    for line in bytes.split(separator: 0x0A) {
      let text = line.last == 0x0D ? line.dropLast() : line
      if text.isEmpty { continue }
      guard let colon = text.firstIndex(of: UInt8(ascii: ":")), colon > text.startIndex else { return nil }
      let name = String(decoding: text[..<colon], as: UTF8.self)
      guard !name.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) else { return nil }
      let value = String(decoding: text[(colon + 1)...].drop { $0 == 0x20 || $0 == 0x09 }, as: UTF8.self)
      switch lowercased(name) {
      case "status":
        guard let code = Int(value.prefix(3)), (100...599).contains(code) else { return nil }
        status = code
      case "location":
        location = true
        headers.add("Location", value)
      case "content-length", "transfer-encoding", "connection", "keep-alive":
        continue
      default:
        headers.add(name, value)
      }
    }
    return (status ?? (location ? 302 : 200), headers)
  }

  static func lowercased(_ text: String) -> String {
    String(decoding: text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
  }
}
