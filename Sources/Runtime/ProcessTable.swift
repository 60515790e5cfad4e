import CLibc

/// What /proc says of a process, so a recorded pid is checked against the process that has it
/// now (see the store's `ProcessMark`).
public enum ProcessTable {
  /// The start time of the live process `pid`, in clock ticks after boot (field 22 of
  /// /proc/PID/stat); nil when there is no such process, or only a zombie nobody reaped yet.
  public static func startTime(_ pid: Int32) -> Int64? {
    guard pid > 0, let stat = try? readWholeFile("/proc/\(pid)/stat") else { return nil }
    // Field 2, the command name, is in parentheses and may hold spaces and ')'; the fields
    // after the last ')' are plain numbers and letters.
    guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
    let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
    // fields[0] is field 3, the state; field 22 is fields[19].
    guard fields.count > 19, let state = fields[0].first, state != UInt8(ascii: "Z"), state != UInt8(ascii: "X")
    else { return nil }
    var ticks: Int64 = 0
    for digit in fields[19] {
      guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9"), ticks < Int64.max / 10 - 9 else { return nil }
      ticks = ticks * 10 + Int64(digit - UInt8(ascii: "0"))
    }
    return fields[19].isEmpty ? nil : ticks
  }
}
