import CLibc

/// One script's run: request body in, response out, until its output ends or time runs out.
struct ScriptRun {
  enum Outcome {
    case finished
    case failed(String)
  }

  /// How much of what the script writes to stderr is kept for the log.
  static let keptErrors = 4096

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
          if chunk.isEmpty {
            closeFD(&child.errors)
          } else if errors.count < ScriptRun.keptErrors {
            errors += chunk.prefix(ScriptRun.keptErrors - errors.count)
          }
        } else if descriptor.fd == child.input {
          feedScript()
        } else if descriptor.fd == socket {
          readBody()
        }
      }
    }
    // Its output is closed: give it until the deadline to exit.
    guard let status = Spawn.wait(child.pid, until: deadline, killingGroup: true) else {
      return .failed("closed its output but did not exit; killed")
    }
    if !headSent {
      guard status.succeeded else { return .failed(status.description) }
      guard let response else { return .failed("output has no header block") }
      var headers = response.headers
      headers.add("Content-Length", "\(held.count)")
      guard server.sendHead(response.status, headers: headers, for: head, keepAlive: keepAlive, exchange: &exchange)
      else {
        clientGone = true
        return .finished
      }
      headSent = true
      if !head.method.bytesEqual("HEAD") && !held.isEmpty {
        exchange.bytes = Int64(held.count)
        if !server.write(held) { clientGone = true }
      }
    } else if chunked && !head.method.bytesEqual("HEAD") {
      if !server.write(Chunked.end) { clientGone = true }
    }
    return .finished
  }

  /// Kills the script and whatever it started (when they still run) and reaps it.
  mutating func stop(_ reason: String) -> Outcome {
    kill(-child.pid, SIGKILL)
    _ = Spawn.wait(child.pid)
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
    guard !head.method.bytesEqual("HEAD"), !clientGone, !bytes.isEmpty else { return }
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
      if bytes[index] == ASCII.lf {
        if index + 1 < bytes.count && bytes[index + 1] == ASCII.lf { return (index, index + 2) }
        if index + 2 < bytes.count && bytes[index + 1] == ASCII.cr && bytes[index + 2] == ASCII.lf {
          return (index, index + 3)
        }
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
    for line in bytes.split(separator: ASCII.lf) {
      let text = line.last == ASCII.cr ? line.dropLast() : line
      if text.isEmpty { continue }
      guard let colon = text.firstIndex(of: UInt8(ascii: ":")), colon > text.startIndex else { return nil }
      let name = String(decoding: text[..<colon], as: UTF8.self)
      guard name.utf8.allSatisfy(ASCII.isVisible) else { return nil }
      let value = String(decoding: text[(colon + 1)...].drop { $0 == ASCII.space || $0 == ASCII.tab }, as: UTF8.self)
      // Names compared as bytes, not by a switch over Strings (docs/design.md, "Text as bytes").
      let field = text[..<colon]
      if ASCII.equalsIgnoringCase(field, "status") {
        guard let code = Int(String(decoding: value.utf8.prefix(3), as: UTF8.self)), (100...599).contains(code) else { return nil }
        status = code
      } else if ASCII.equalsIgnoringCase(field, "location") {
        location = true
        headers.add("Location", value)
      } else if ASCII.equalsIgnoringCase(field, "content-length") || ASCII.equalsIgnoringCase(field, "transfer-encoding")
        || ASCII.equalsIgnoringCase(field, "connection") || ASCII.equalsIgnoringCase(field, "keep-alive")
      {
        continue
      } else {
        headers.add(name, value)
      }
    }
    return (status ?? (location ? 302 : 200), headers)
  }
}
