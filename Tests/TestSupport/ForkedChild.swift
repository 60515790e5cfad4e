import Foundation
import Runtime

/// A pipe whose write end a forked child closes, so that closing the parent's copy releases
/// every child waiting on it at once; and the line a child reports on.
public final class ReportPipe {
  public let read: Int32
  public private(set) var write: Int32

  public init() throws {
    var ends: [Int32] = [0, 0]
    guard pipe(&ends) == 0 else { throw POSIXError(.EMFILE) }
    read = ends[0]
    write = ends[1]
  }

  public func waitForClose() {
    var byte: UInt8 = 0
    while Glibc.read(read, &byte, 1) < 0 && errno == EINTR {}
  }

  public func closeWrite() {
    close(write)
    write = -1
  }

  /// One line the child sent, or nil when none came in time.
  public func readLine(milliseconds: Int32) -> String? {
    var line: [UInt8] = []
    let deadline = Deadline.after(milliseconds: Int(milliseconds))
    while true {
      var descriptor = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, deadline.remainingMilliseconds) > 0 else { return nil }
      var byte: UInt8 = 0
      guard Glibc.read(read, &byte, 1) == 1 else { return nil }
      if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
      line.append(byte)
    }
  }

  public func send(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(write, $0.baseAddress, $0.count) }
  }

  deinit {
    close(read)
    if write >= 0 { close(write) }
  }
}

/// A child forked from the test process (state shared with the test, such as a mapping, is
/// the point), reporting lines on its pipe.
public final class ForkedChild {
  public let pid: pid_t
  /// The pipe the child reports on.
  public let report: ReportPipe
  private var reaped = false

  private init(pid: pid_t, report: ReportPipe) {
    self.pid = pid
    self.report = report
  }

  /// Forks a child that closes every inherited descriptor but its report pipe and `keeping`,
  /// runs `body` and exits. The caller stops it (`stop`), at teardown.
  public static func start(keeping: [Int32] = [], _ body: (ReportPipe) -> Void) throws -> ForkedChild {
    let report = try ReportPipe()
    let pid = fork()
    guard pid >= 0 else { throw POSIXError(.EAGAIN) }
    if pid == 0 {
      for fd in Int32(3)..<1024 where fd != report.write && !keeping.contains(fd) {
        close(fd)
      }
      body(report)
      _exit(0)
    }
    return ForkedChild(pid: pid, report: report)
  }

  /// Kills the child (if it still runs) and reaps it, once: after that its pid may be another
  /// process's.
  public func stop() {
    guard !reaped else { return }
    kill(pid, SIGKILL)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    reaped = true
  }
}
