import CLibc

/// The inetd `stream wait` model (xinetd `wait = yes`, systemd `Accept=no`): fd 0 is the
/// listening socket itself. One process accepts every connection and forks, without exec, a
/// child per connection; the child finds the connection on fd 0 and 1 and serves it exactly as
/// a `nowait` daemon would. A fork of a small static process costs a fraction of the fork and
/// exec inetd pays per `nowait` connection, which is most of a short request's cost.
///
/// The listener exits once no connection has arrived for the idle period and no child is left
/// (systemd stops a service's leftover processes with it); the super-server then watches the
/// socket again and starts a new listener for the next connection.
public struct ListenerService {
  public let fd: Int32
  public let idleSeconds: Int
  /// Connections served at once; past it the listener stops accepting until a child exits, so
  /// a flood queues in the kernel's backlog instead of exhausting a small box's memory.
  public let maximumChildren: Int
  public let log: Log

  public init(fd: Int32 = 0, idleSeconds: Int, maximumChildren: Int, log: Log) {
    self.fd = fd
    self.idleSeconds = idleSeconds
    self.maximumChildren = max(1, maximumChildren)
    self.log = log
  }

  /// Whether `fd` is a listening socket (SO_ACCEPTCONN): what a `wait` stream service gets.
  public static func isListening(_ fd: Int32) -> Bool {
    var accepting: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
  }

  /// Accepts until idle; runs `serve` in a child per connection (the child exits with its
  /// result). Returns the listener's exit status.
  public func run(_ serve: () -> Int32) -> Int32 {
    // Children are counted from SIGCHLD read through a signalfd, so the poll below wakes for a
    // connection or a finished child and never on a timer.
    var childSignal = sigset_t()
    sigemptyset(&childSignal)
    sigaddset(&childSignal, SIGCHLD)
    var inheritedMask = sigset_t()
    sigprocmask(SIG_BLOCK, &childSignal, &inheritedMask)
    let signals = signalfd(-1, &childSignal, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
    guard signals >= 0 else {
      log.error("signalfd: \(String(cString: strerror(slug_errno())))")
      return Runtime.softwareExit
    }
    // A connection reset between poll and accept must not block the listener. Only accept
    // reads this flag; inetd itself never accepts on a `wait` socket.
    let flags = slug_fcntl(fd, F_GETFL, 0)
    if flags >= 0 { _ = slug_fcntl(fd, F_SETFL, flags | O_NONBLOCK) }

    var children = 0
    var idleUntil = Deadline.after(seconds: idleSeconds)
    while true {
      children -= reapChildren(signals)
      if children == 0 && idleUntil.remainingMilliseconds == 0 { return 0 }
      let accepting = children < maximumChildren
      var descriptors = [
        pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
        pollfd(fd: fd, events: accepting ? Int16(POLLIN) : 0, revents: 0),
      ]
      let timeout = children == 0 ? idleUntil.remainingMilliseconds : -1
      let ready = poll(&descriptors, 2, timeout)
      if ready < 0 && slug_errno() != EINTR {
        log.error("poll: \(String(cString: strerror(slug_errno())))")
        return Runtime.softwareExit
      }
      guard accepting, descriptors[1].revents & Int16(POLLIN) != 0 else { continue }
      while children < maximumChildren {
        let connection = accept(fd, nil, nil)
        if connection < 0 {
          let code = slug_errno()
          if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { break }
          // ECONNABORTED and friends end one connection, not the service.
          if code == ECONNABORTED || code == EPROTO { continue }
          log.error("accept: \(String(cString: strerror(code)))")
          if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM { break }
          return Runtime.ioErrorExit
        }
        idleUntil = Deadline.after(seconds: idleSeconds)
        let child = fork()
        if child == 0 {
          close(signals)
          sigprocmask(SIG_SETMASK, &inheritedMask, nil)
          exit(serveConnection(connection, serve))
        }
        close(connection)
        if child < 0 {
          log.error("fork: \(String(cString: strerror(slug_errno()))); connection dropped")
          break
        }
        children += 1
      }
    }
  }

  /// In the child: the connection becomes fd 0 and 1, as under `nowait`; fd 2 too when it was
  /// the listening socket (inetd), so nothing written there reaches another client.
  private func serveConnection(_ connection: Int32, _ serve: () -> Int32) -> Int32 {
    let standardErrorIsListener = ListenerService.isListening(2)
    dup2(connection, 0)
    dup2(connection, 1)
    if standardErrorIsListener { dup2(connection, 2) }
    if connection > 2 { close(connection) }
    return serve()
  }

  /// Collects every finished child; returns how many.
  private func reapChildren(_ signals: Int32) -> Int {
    var drained = [UInt8](repeating: 0, count: 1024)
    while drained.withUnsafeMutableBytes({ read(signals, $0.baseAddress, $0.count) }) > 0 {}
    var reaped = 0
    var status: Int32 = 0
    while waitpid(-1, &status, WNOHANG) > 0 { reaped += 1 }
    return reaped
  }
}
