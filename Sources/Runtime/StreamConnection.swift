import CLibc

/// The inetd `nowait` model: fd 0 (and its duplicate fd 1) is the accepted TCP connection.
/// Every read and write has a deadline, so a silent or stalled peer cannot hold the process.
public struct StreamConnection: Sendable {
  public let fd: Int32

  public enum ReadResult: Equatable, Sendable {
    case data([UInt8])
    /// The peer closed its side.
    case end
    case timedOut
    case failed(Int32)
  }

  public enum WriteResult: Equatable, Sendable {
    case written
    case timedOut
    case failed(Int32)
  }

  /// Switches `fd` to non-blocking so a large write cannot block past its deadline, and
  /// TCP_NODELAY so every write leaves at once: a response written in pieces (a head, then a
  /// body by sendfile) would otherwise wait for the peer's delayed ACK, 40 ms per request on a
  /// kept-alive connection.
  public init(fd: Int32 = 0) {
    self.fd = fd
    let flags = slug_fcntl(fd, F_GETFL, 0)
    if flags >= 0 { _ = slug_fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    var on: Int32 = 1
    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
  }

  /// The connected peer (getpeername); nil when fd is not a connected socket.
  public var peer: SocketAddress? { SocketAddress.peer(of: fd) }

  /// Reads what is available, up to `maximum` bytes, waiting until `deadline` for the first byte.
  public func read(maximum: Int, deadline: Deadline) -> ReadResult {
    var buffer = [UInt8](repeating: 0, count: max(1, maximum))
    while true {
      let count = buffer.withUnsafeMutableBytes { CLibc.read(fd, $0.baseAddress, $0.count) }
      if count > 0 { return .data(Array(buffer.prefix(count))) }
      if count == 0 { return .end }
      switch slug_errno() {
      case EINTR:
        continue
      case EAGAIN, EWOULDBLOCK:
        guard waitUntilReady(fd, events: Int16(POLLIN), deadline: deadline) else { return .timedOut }
      case let code:
        return .failed(code)
      }
    }
  }

  /// Writes all of `bytes` before `deadline`.
  public func write(_ bytes: [UInt8], deadline: Deadline) -> WriteResult {
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes {
        send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
      }
      if count >= 0 {
        offset += count
        continue
      }
      switch slug_errno() {
      case EINTR:
        continue
      case EAGAIN, EWOULDBLOCK:
        guard waitUntilReady(fd, events: Int16(POLLOUT), deadline: deadline) else { return .timedOut }
      case let code:
        return .failed(code)
      }
    }
    return .written
  }
}
