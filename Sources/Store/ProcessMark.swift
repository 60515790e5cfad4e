/// A process as the store records it: its pid and, where known, its start time (clock ticks
/// after boot, field 22 of /proc/PID/stat). A pid alone is not enough: after a `kill -9` the
/// kernel may give it to another process, which must not be taken for the one recorded.
public struct ProcessMark: Equatable, Sendable {
  public var pid: Int32
  /// nil for rows written before start times were recorded (schema 6 and earlier): then any
  /// live process with the pid counts.
  public var started: Int64?

  public init(pid: Int32, started: Int64?) {
    self.pid = pid
    self.started = started
  }

  /// Whether the recorded process still runs, given `startTime(pid)`: the start time of the
  /// live process with that pid, nil when there is none (or only a zombie).
  public func isAlive(startTime: (Int32) -> Int64?) -> Bool {
    guard let now = startTime(pid) else { return false }
    return started == nil || started == now
  }

  /// From a row's pid and start-time columns (nil: no pid recorded).
  static func columns(_ pid: Int64?, _ started: Int64?) -> ProcessMark? {
    guard let pid, let pid32 = Int32(exactly: pid) else { return nil }
    return ProcessMark(pid: pid32, started: started)
  }
}
