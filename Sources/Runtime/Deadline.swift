import CLibc

/// A point on the monotonic clock, so a wall-clock step cannot stretch or cut a timeout.
public struct Deadline: Sendable, Comparable {
  public static let nanosecondsPerSecond: UInt64 = 1_000_000_000

  public let nanoseconds: UInt64

  public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

  public static func now() -> Deadline {
    var clock = timespec()
    clock_gettime(CLOCK_MONOTONIC, &clock)
    return Deadline(nanoseconds: UInt64(clock.tv_sec) * nanosecondsPerSecond + UInt64(clock.tv_nsec))
  }

  public static func after(milliseconds: Int) -> Deadline {
    Deadline(nanoseconds: now().nanoseconds + UInt64(max(0, milliseconds)) * 1_000_000)
  }

  public static func after(seconds: Int) -> Deadline { after(milliseconds: seconds * 1000) }

  /// This point moved `seconds` later.
  public func adding(seconds: Int) -> Deadline {
    Deadline(nanoseconds: nanoseconds + UInt64(max(0, seconds)) * Deadline.nanosecondsPerSecond)
  }

  /// What is left, rounded up, as poll(2) wants it (0 once passed).
  public var remainingMilliseconds: Int32 {
    let current = Deadline.now().nanoseconds
    guard nanoseconds > current else { return 0 }
    return Int32(clamping: (nanoseconds - current + 999_999) / 1_000_000)
  }

  public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

/// Waits until `fd` is ready for `events` or the deadline passes, retrying after signals.
/// Returns false on timeout or error.
func waitUntilReady(_ fd: Int32, events: Int16, deadline: Deadline) -> Bool {
  while true {
    var descriptor = pollfd(fd: fd, events: events, revents: 0)
    let ready = poll(&descriptor, 1, deadline.remainingMilliseconds)
    if ready > 0 { return true }
    if ready == 0 || slug_errno() != EINTR { return false }
  }
}
