import CLibc

/// The inetd `stream wait` model (xinetd `wait = yes`, systemd `Accept=no`): fd 0 is the
/// listening socket itself. The process that inetd starts forks worker processes (without
/// exec) that each accept connections one after another and serve each with the connection
/// on fd 0 and 1, exactly as a `nowait` daemon would. Under load a connection then costs no
/// exec and no fork, which is most of a short request's cost under `nowait`.
///
/// The manager keeps one idle worker ready while fewer than `maximumWorkers` exist, so
/// connections are served at once; past that they wait in the listen queue. A worker exits
/// after the idle period without a connection (or after `connectionsPerWorker`, so nothing a
/// session leaves behind accumulates); the manager exits with its last worker (systemd would
/// stop leftover processes with it), and the super-server then watches the socket again.
public struct ListenerService {
  public let fd: Int32
  public let idleSeconds: Int
  public let maximumWorkers: Int
  public let connectionsPerWorker: Int
  public let log: Log

  public init(fd: Int32 = 0, idleSeconds: Int, maximumWorkers: Int, connectionsPerWorker: Int = 10_000, log: Log) {
    self.fd = fd
    self.idleSeconds = idleSeconds
    self.maximumWorkers = max(1, maximumWorkers)
    self.connectionsPerWorker = max(1, connectionsPerWorker)
    self.log = log
  }

  /// Whether `fd` is a listening socket (SO_ACCEPTCONN): what a `wait` stream service gets.
  public static func isListening(_ fd: Int32) -> Bool {
    var accepting: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
  }

  /// A worker's word to the manager: its pid and whether it now serves a connection, as two
  /// 32-bit words. One pipe write each, shorter than PIPE_BUF, so workers' reports never
  /// interleave.
  private struct Report {
    var worker: pid_t
    var busy: Bool

    static let size = 2 * MemoryLayout<Int32>.size
  }

  /// Runs the manager; `serve` runs in a worker once per connection. Returns the exit status.
  public func run(_ serve: () -> Int32) -> Int32 {
    // Workers are counted from SIGCHLD read through a signalfd and from their reports on a
    // pipe, so the manager sleeps in poll until one of those happens, never on a timer.
    var childSignal = sigset_t()
    sigemptyset(&childSignal)
    sigaddset(&childSignal, SIGCHLD)
    var inheritedMask = sigset_t()
    sigprocmask(SIG_BLOCK, &childSignal, &inheritedMask)
    let signals = signalfd(-1, &childSignal, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
    var reports: [Int32] = [-1, -1]
    guard signals >= 0, pipe(&reports) == 0 else {
      log.error("signalfd or pipe: \(String(cString: strerror(slug_errno())))")
      return EX_SOFTWARE
    }
    // Idle workers all poll the socket; the one that loses the race for a connection must
    // not block in accept. Only accept reads this flag: inetd never accepts on `wait`.
    let flags = slug_fcntl(fd, F_GETFL, 0)
    if flags >= 0 { _ = slug_fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    // A worker's fd 0 becomes each connection in turn, so it keeps the socket elsewhere.
    let listener = slug_fcntl(fd, F_DUPFD_CLOEXEC, 3)
    guard listener >= 0 else {
      log.error("dup: \(String(cString: strerror(slug_errno())))")
      return EX_SOFTWARE
    }

    var busy: [pid_t: Bool] = [:]
    func startWorker() {
      let worker = fork()
      if worker == 0 {
        close(signals)
        close(reports[0])
        sigprocmask(SIG_SETMASK, &inheritedMask, nil)
        exit(work(listener: listener, reportingTo: reports[1], serve))
      }
      if worker < 0 {
        log.error("fork: \(String(cString: strerror(slug_errno())))")
      } else {
        busy[worker] = false
      }
    }

    startWorker()
    while !busy.isEmpty {
      var descriptors = [
        pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
        pollfd(fd: reports[0], events: Int16(POLLIN), revents: 0),
      ]
      if poll(&descriptors, 2, -1) < 0 && slug_errno() != EINTR {
        log.error("poll: \(String(cString: strerror(slug_errno())))")
        return EX_SOFTWARE
      }
      if descriptors[1].revents & Int16(POLLIN) != 0 {
        for report in readReports(reports[0]) where busy[report.worker] != nil {
          busy[report.worker] = report.busy
        }
      }
      for worker in reapWorkers(signals) { busy[worker] = nil }
      if !busy.isEmpty && !busy.values.contains(false) && busy.count < maximumWorkers { startWorker() }
    }
    return 0
  }

  /// A worker: accepts and serves until idle (or its connection quota is spent).
  private func work(listener: Int32, reportingTo reports: Int32, _ serve: () -> Int32) -> Int32 {
    let standardErrorIsListener = ListenerService.isListening(2)
    let empty = slug_open("/dev/null", O_RDWR | O_CLOEXEC, 0)
    guard empty >= 0 else { return EX_IOERR }
    var served = 0
    while served < connectionsPerWorker {
      var incoming = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      let ready = poll(&incoming, 1, Int32(clamping: idleSeconds * 1000))
      if ready == 0 { break }
      if ready < 0 {
        if slug_errno() == EINTR { continue }
        return EX_IOERR
      }
      let connection = accept(listener, nil, nil)
      if connection < 0 {
        let code = slug_errno()
        // Another worker won the race, or the client gave up first.
        if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED || code == EPROTO { continue }
        log.error("accept: \(String(cString: strerror(code)))")
        if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM { break }
        return EX_IOERR
      }
      report(Report(worker: getpid(), busy: true), to: reports)
      dup2(connection, 0)
      dup2(connection, 1)
      if standardErrorIsListener { dup2(connection, 2) }
      if connection > 2 { close(connection) }
      _ = serve()
      // Dropping the last references closes the connection, as the exit of a `nowait`
      // daemon would.
      dup2(empty, 0)
      dup2(empty, 1)
      if standardErrorIsListener { dup2(empty, 2) }
      served += 1
      report(Report(worker: getpid(), busy: false), to: reports)
    }
    return 0
  }

  private func report(_ report: Report, to reports: Int32) {
    let words: [Int32] = [report.worker, report.busy ? 1 : 0]
    _ = words.withUnsafeBytes { write(reports, $0.baseAddress, Report.size) }
  }

  /// What the workers wrote. Every write is one whole record and the buffer a whole number of
  /// records, so a read never splits one.
  private func readReports(_ reports: Int32) -> [Report] {
    var words = [Int32](repeating: 0, count: 128)
    let count = words.withUnsafeMutableBytes { read(reports, $0.baseAddress, $0.count) }
    guard count > 0 else { return [] }
    return (0..<(count / Report.size)).map { Report(worker: words[2 * $0], busy: words[2 * $0 + 1] != 0) }
  }

  /// Collects every finished worker.
  private func reapWorkers(_ signals: Int32) -> [pid_t] {
    var drained = [UInt8](repeating: 0, count: 1024)
    while drained.withUnsafeMutableBytes({ read(signals, $0.baseAddress, $0.count) }) > 0 {}
    var reaped: [pid_t] = []
    var status: Int32 = 0
    while case let worker = waitpid(-1, &status, WNOHANG), worker > 0 { reaped.append(worker) }
    return reaped
  }
}
