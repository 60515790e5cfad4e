import CLibc

/// The inetd `nowait` model for request/response protocols: fd 0 is the accepted connection,
/// which may carry several requests. Whatever arrives goes to a handler that keeps its own
/// framing state and returns the bytes to write back; the process leaves when the peer
/// closes, when the connection has been idle for the idle period, or when the handler gives up.
public struct StreamService {
  public let fd: Int32
  public let idleSeconds: Int
  public let log: Log

  public init(fd: Int32 = 0, idleSeconds: Int, log: Log) {
    self.fd = fd
    self.idleSeconds = idleSeconds
    self.log = log
  }

  /// What the handler makes of the bytes that arrived.
  public enum Response: Sendable, Equatable {
    /// Write these bytes (possibly none) and keep reading.
    case reply([UInt8])
    /// Write these bytes, then close: the stream cannot go on (garbage, oversize frame).
    case replyAndClose([UInt8])
  }

  /// Returns the exit status: 0 when the conversation ends (peer closed, idle, handler
  /// closed), 66 when fd is not a stream socket, 74 when reading or writing fails.
  public func run(_ handler: (ArraySlice<UInt8>) -> Response) -> Int32 {
    guard SocketType(of: fd) == .stream else {
      log.error("fd \(fd) is not a stream socket; run from inetd (tcp nowait)")
      return EX_NOINPUT
    }
    let peer = SocketAddress.peer(of: fd)?.description ?? "the peer"
    let connection = StreamConnection(fd: fd)
    // A peer that stops reading may hold the process only as long as a silent one.
    let writeSeconds = max(idleSeconds, 1)
    while true {
      switch connection.read(maximum: 16384, deadline: .after(seconds: idleSeconds)) {
      case .data(let bytes):
        let response = handler(bytes[...])
        let (output, closing): ([UInt8], Bool) =
          switch response {
          case .reply(let output): (output, false)
          case .replyAndClose(let output): (output, true)
          }
        if !output.isEmpty {
          switch connection.write(output, deadline: .after(seconds: writeSeconds)) {
          case .written:
            break
          case .timedOut:
            log.error("\(peer) stopped reading; closing")
            return 0
          case .failed(let code):
            log.error("write to \(peer) failed: \(String(cString: strerror(code)))")
            return EX_IOERR
          }
        }
        if closing { return 0 }
      case .end, .timedOut:
        return 0
      case .failed(let code):
        if code == ECONNRESET { return 0 }
        log.error("read from \(peer) failed: \(String(cString: strerror(code)))")
        return EX_IOERR
      }
    }
  }
}
