import Foundation

/// Sockets on loopback ports the kernel picks (bind port 0, read it back), so tests never
/// collide with ports other processes hold.
public enum LoopbackSocket {
  /// A socket bound to 127.0.0.1, or with `dualStack` to [::] accepting IPv4 too (as systemd
  /// passes a port-only ListenDatagram). The caller closes `fd`.
  public static func bind(_ type: __socket_type, dualStack: Bool = false) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(dualStack ? AF_INET6 : AF_INET, Int32(type.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
    var storage = sockaddr_storage()
    var length: socklen_t
    if dualStack {
      var off: Int32 = 0
      setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size))
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: sa_family_t(AF_INET6), as: sa_family_t.self) }
    } else {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
    }
    let bound = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else {
      let code = errno
      close(fd)
      throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EADDRINUSE)
    }
    // sin_port and sin6_port sit at the same offset.
    let port = withUnsafeBytes(of: &storage) { $0.load(fromByteOffset: 2, as: UInt16.self) }
    return (fd, UInt16(bigEndian: port))
  }

  /// Sends BYTES from the datagram socket FD to 127.0.0.1:PORT; how many were sent (-1: failed).
  public static func send(_ bytes: [UInt8], from fd: Int32, toPort port: UInt16) -> Int {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = port.bigEndian
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
        bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
    }
  }

  /// The next datagram on FD, or nil when none arrives within `milliseconds`.
  public static func receive(on fd: Int32, within milliseconds: Int32) -> [UInt8]? {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, milliseconds) == 1 else { return nil }
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    return count < 0 ? nil : Array(buffer.prefix(count))
  }

  /// Whether something accepts TCP connections on 127.0.0.1:PORT (a super-server that has
  /// bound it); the probe connection is closed at once.
  public static func acceptsTCP(port: UInt16) -> Bool {
    let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(probe) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
  }
}

/// A loopback port that was free a moment ago, for a super-server to bind.
public enum FreePort {
  public static func udp() throws -> UInt16 { try find(SOCK_DGRAM) }
  public static func tcp() throws -> UInt16 { try find(SOCK_STREAM) }

  private static func find(_ type: __socket_type) throws -> UInt16 {
    let socket = try LoopbackSocket.bind(type)
    close(socket.fd)
    return socket.port
  }
}
