import CLibc

/// What kind of socket a super-server passed: one binary serves UDP (inetd `wait`) and TCP
/// (inetd `nowait`) by looking at fd 0.
public enum SocketType: Sendable, Equatable {
  case datagram
  case stream

  /// The type of socket `fd` (SO_TYPE); nil when it is no socket or another type.
  public init?(of fd: Int32) {
    var type: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else { return nil }
    switch type {
    case slug_sock_dgram: self = .datagram
    case slug_sock_stream: self = .stream
    default: return nil
    }
  }
}
