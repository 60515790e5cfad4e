import CLibc
import CTLS

/// The handshake on fd 0, the session line to fd 1, then both directions at once: records from
/// the client, decrypted, to the daemon; the daemon's bytes, encrypted, to the client. Both fds
/// are non-blocking and each direction holds at most one chunk, so neither side can stall the
/// other's traffic.
struct Relay {
  let server: OpaquePointer
  let log: Log
  let peer: String

  private static let chunk = 16384

  func run(handshakeDeadline: Deadline) -> Int32 {
    setNonBlocking(0)
    var on: Int32 = 1
    _ = setsockopt(0, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    guard slug_tls_server_attach(server, 0) == Int32(SLUG_TLS_DONE) else {
      log.error("TLS with \(peer): cannot start a session")
      return EX_SOFTWARE
    }
    while true {
      let step = slug_tls_handshake(server)
      if step == Int32(SLUG_TLS_DONE) { break }
      if step == Int32(SLUG_TLS_WANT_READ) || step == Int32(SLUG_TLS_WANT_WRITE) {
        let events = step == Int32(SLUG_TLS_WANT_READ) ? POLLIN : POLLOUT
        guard waitUntilReady(0, events: Int16(events), deadline: handshakeDeadline) else {
          log.error("TLS handshake with \(peer) timed out")
          return 0
        }
        continue
      }
      log.error("TLS handshake with \(peer) failed: \(errorText())")
      return 0
    }
    let session = TLSSession(
      version: String(cString: slug_tls_version(server)), cipher: String(cString: slug_tls_cipher(server)),
      resumed: slug_tls_resumed(server) != 0, serverName: String(cString: slug_tls_server_name(server)),
      exporter: binding(slug_tls_exporter), endPoint: binding(slug_tls_server_end_point))
    guard writeAll(1, Array(session.line.utf8)) else { return 0 }
    slug_tls_release_memory()
    setNonBlocking(1)
    return relay()
  }

  private func binding(_ export: (OpaquePointer?, UnsafeMutablePointer<UInt8>?) -> Int32) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 32)
    return bytes.withUnsafeMutableBufferPointer { export(server, $0.baseAddress) } == 1 ? bytes : []
  }

  private func relay() -> Int32 {
    var toDaemon: [UInt8] = []
    var toClient: [UInt8] = []
    var clientOpen = true
    var daemonOpen = true
    var readWantsWrite = false
    var buffer = [UInt8](repeating: 0, count: Relay.chunk)
    while daemonOpen || !toClient.isEmpty {
      // What wolfSSL already decrypted is read before the socket is asked again.
      let pending = clientOpen && toDaemon.isEmpty && slug_tls_pending(server) > 0
      var clientEvents: Int32 = 0
      var daemonEvents: Int32 = 0
      if clientOpen && toDaemon.isEmpty { clientEvents |= readWantsWrite ? POLLOUT : POLLIN }
      if !toClient.isEmpty { clientEvents |= POLLOUT }
      if daemonOpen && toClient.isEmpty { daemonEvents |= POLLIN }
      if !toDaemon.isEmpty { daemonEvents |= POLLOUT }
      // A side asked for nothing is left out of the poll: poll reports a hang-up whatever the
      // events, and a client gone while the daemon still works would make this loop spin.
      var descriptors = [
        pollfd(fd: clientEvents == 0 ? -1 : 0, events: Int16(clientEvents), revents: 0),
        pollfd(fd: daemonEvents == 0 ? -1 : 1, events: Int16(daemonEvents), revents: 0),
      ]
      if !pending {
        if clientEvents == 0 && daemonEvents == 0 { break }
        let ready = poll(&descriptors, 2, -1)
        if ready < 0 {
          if slug_errno() == EINTR { continue }
          return EX_OSERR
        }
      }
      let clientReady = pending || descriptors[0].revents != 0
      // Client to daemon.
      if clientOpen && toDaemon.isEmpty && clientReady {
        readWantsWrite = false
        let count = buffer.withUnsafeMutableBytes { slug_tls_read(server, $0.baseAddress, $0.count) }
        if count > 0 {
          toDaemon = Array(buffer.prefix(count))
        } else if count == 0 {
          clientOpen = false
          _ = shutdown(1, Int32(SHUT_WR))
        } else if count == Int(SLUG_TLS_WANT_WRITE) {
          readWantsWrite = true
        } else if count != Int(SLUG_TLS_WANT_READ) {
          log.error("TLS with \(peer) ended: \(errorText())")
          return 0
        }
      }
      if !toDaemon.isEmpty {
        let written = toDaemon.withUnsafeBytes { send(1, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if written > 0 {
          toDaemon.removeFirst(written)
        } else if written < 0 && !wouldBlock() {
          return 0  // the daemon is gone
        }
      }
      // Daemon to client.
      if daemonOpen && toClient.isEmpty && descriptors[1].revents != 0 {
        let count = buffer.withUnsafeMutableBytes { read(1, $0.baseAddress, $0.count) }
        if count > 0 {
          toClient = Array(buffer.prefix(count))
        } else if count == 0 || !wouldBlock() {
          daemonOpen = false
        }
      }
      if !toClient.isEmpty {
        let count = toClient.withUnsafeBytes { slug_tls_write(server, $0.baseAddress, $0.count) }
        if count > 0 {
          toClient.removeFirst(count)
        } else if count != Int(SLUG_TLS_WANT_WRITE) && count != Int(SLUG_TLS_WANT_READ) {
          return 0  // the client is gone
        }
      }
      if !clientOpen && toDaemon.isEmpty && !daemonOpen { break }
    }
    slug_tls_close(server)
    return 0
  }

  private func errorText() -> String {
    var text = [CChar](repeating: 0, count: 160)
    slug_tls_error_text(server, &text, text.count)
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  private func wouldBlock() -> Bool {
    let code = slug_errno()
    return code == EAGAIN || code == EWOULDBLOCK || code == EINTR
  }

  private func setNonBlocking(_ fd: Int32) {
    let flags = slug_fcntl(fd, F_GETFL, 0)
    if flags >= 0 { _ = slug_fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
  }

  private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
      if count > 0 {
        offset += count
      } else if count < 0 && slug_errno() == EINTR {
        continue
      } else {
        return false
      }
    }
    return true
  }
}
