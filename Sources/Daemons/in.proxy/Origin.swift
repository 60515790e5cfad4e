import CLibc

/// Why the origin could not be reached: the client hears 403 for a refused destination, 502
/// when it cannot be resolved or reached, 504 when it does not answer in time.
enum OriginFailure: Error {
  /// Every address the host resolved to is one the proxy may not reach: why, for each.
  case refused(String)
  case unresolvable(String)
  case unreachable(String)
  case timedOut

  var status: Int {
    switch self {
    case .refused: 403
    case .unresolvable, .unreachable: 502
    case .timedOut: 504
    }
  }

  var message: String {
    switch self {
    case .refused(let reason): "destination refused: \(reason)"
    case .unresolvable(let host): "cannot resolve \(host)"
    case .unreachable(let reason): "cannot connect: \(reason)"
    case .timedOut: "the origin did not answer in time"
    }
  }
}

/// Where a request goes: the host as written (a name, a dotted quad or a bracketed IPv6
/// literal without its brackets) and the port.
struct Authority: Equatable {
  var host: String
  var port: UInt16

  /// Parses `host[:port]` (`[v6]:port` for IPv6); nil when it is malformed or carries
  /// userinfo. Without a port, `defaultPort` (nil: the port is required, as for CONNECT).
  init?(_ text: Substring, defaultPort: UInt16?) {
    // As bytes: String's Character operations bring Unicode's tables into in.proxy.
    let bytes = Array(text.utf8)
    guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: "@")) else { return nil }
    let hostBytes: ArraySlice<UInt8>
    var portBytes: ArraySlice<UInt8>?
    if bytes[0] == UInt8(ascii: "[") {
      guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return nil }
      hostBytes = bytes[1..<close]
      let after = bytes[(close + 1)...]
      if !after.isEmpty {
        guard after.first == UInt8(ascii: ":") else { return nil }
        portBytes = after.dropFirst()
      }
    } else if let colon = bytes.lastIndex(of: UInt8(ascii: ":")) {
      hostBytes = bytes[..<colon]
      portBytes = bytes[(colon + 1)...]
    } else {
      hostBytes = bytes[...]
    }
    guard !hostBytes.isEmpty, hostBytes.allSatisfy({ ASCII.isVisible($0) && $0 != UInt8(ascii: "/") }) else {
      return nil
    }
    host = String(decoding: hostBytes, as: UTF8.self)
    if let portBytes {
      guard !portBytes.isEmpty, portBytes.allSatisfy(ASCII.isDigit) else { return nil }
      var number = 0
      for digit in portBytes {
        number = number * 10 + Int(digit - UInt8(ascii: "0"))
        guard number <= Int(UInt16.max) else { return nil }
      }
      guard number > 0 else { return nil }
      port = UInt16(number)
    } else {
      guard let defaultPort else { return nil }
      port = defaultPort
    }
  }

  /// Resolves the host once and connects to the first address `policy` allows that accepts
  /// before `deadline`, with a non-blocking connect so an unanswering host costs the deadline,
  /// not the kernel's minutes. Each address is checked as it is connected to, so a name that
  /// resolves differently a second time (DNS rebinding) gains nothing. Returns the connected
  /// socket, non-blocking.
  func connect(before deadline: Deadline, checking policy: DestinationPolicy) throws(OriginFailure) -> Int32 {
    // RFC 6761 §6.4: a name under invalid. never resolves; the resolver is not asked.
    if Authority.isInvalid(host) { throw .unresolvable(host) }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = slug_sock_stream
    // An address literal first: no resolver files read, no interface list asked of the kernel
    // (AI_ADDRCONFIG costs a netlink dump per lookup).
    hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST
    var list: UnsafeMutablePointer<addrinfo>?
    if getaddrinfo(host, String(port), &hints, &list) != 0 {
      hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG
      guard getaddrinfo(host, String(port), &hints, &list) == 0 else { throw .unresolvable(host) }
    }
    defer { freeaddrinfo(list) }
    var lastError = ECONNREFUSED
    var refusals: [String] = []
    var tried = false
    var entry = list
    while let current = entry {
      entry = current.pointee.ai_next
      guard let address = current.pointee.ai_addr,
        let candidate = SocketAddress(UnsafeRawPointer(address), length: current.pointee.ai_addrlen)
      else { continue }
      if let refusal = policy.refusal(of: candidate) {
        if !refusals.contains(where: { $0.bytesEqual(refusal) }) { refusals.append(refusal) }
        continue
      }
      tried = true
      let fd = socket(current.pointee.ai_family, slug_sock_stream | slug_sock_cloexec, 0)
      guard fd >= 0 else {
        lastError = slug_errno()
        continue
      }
      _ = slug_fcntl(fd, F_SETFL, slug_fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
      var one: Int32 = 1
      _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
      if CLibc.connect(fd, address, current.pointee.ai_addrlen) == 0 { return fd }
      var code = slug_errno()
      if code == EINPROGRESS {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32 = -1
        repeat {
          ready = poll(&descriptor, 1, deadline.remainingMilliseconds)
        } while ready < 0 && slug_errno() == EINTR
        if ready == 0 {
          close(fd)
          throw .timedOut
        }
        var length = socklen_t(MemoryLayout<Int32>.size)
        code = 0
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 { code = slug_errno() }
        if code == 0 { return fd }
      }
      close(fd)
      lastError = code
    }
    guard tried || refusals.isEmpty else { throw .refused(refusals.joined(separator: ", ")) }
    throw .unreachable(String(cString: strerror(lastError)))
  }

  /// `invalid` or a name under it, any case, with or without the final dot.
  static func isInvalid(_ host: String) -> Bool {
    let name = ASCII.lowercased(host)
    let bare = name.bytesHaveSuffix(".") ? String(decoding: name.utf8.dropLast(), as: UTF8.self) : name
    return bare.bytesEqual("invalid") || bare.bytesHaveSuffix(".invalid")
  }
}
