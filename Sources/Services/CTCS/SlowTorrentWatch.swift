#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Nudges a download that has stalled: after `patience` seconds below `updateBelow` bytes/s,
/// CTUPDATE (ask the tracker for more peers); if it is still below `restartBelow` another
/// `patience` seconds later, CTRESTART (a fresh tracker session). Any report at or above
/// `updateBelow` starts the watch over. A complete torrent (seeding) downloads nothing by
/// design and is never nudged, unlike the original in.ctcs, which restarted seeders every five
/// minutes.
public struct SlowTorrentWatch: Sendable {
  /// When a download counts as slow, and for how long it may be: the documented defaults
  /// (5 KB/s, 2 KB/s, 300 s), or the store's `torrent_slow_*` settings.
  public struct Thresholds: Equatable, Sendable {
    /// Bytes/s; 0 turns the watch off (no rate is below it).
    public var updateBelow: Int64
    /// Bytes/s, at most `updateBelow`.
    public var restartBelow: Int64
    /// Seconds, 1 or more.
    public var patience: Int64

    public init(updateBelow: Int64 = 5120, restartBelow: Int64 = 2048, patience: Int64 = 300) {
      self.updateBelow = max(updateBelow, 0)
      self.restartBelow = min(max(restartBelow, 0), self.updateBelow)
      self.patience = max(patience, 1)
    }

    public static let standard = Thresholds()

    /// The largest patience accepted: a week.
    public static let longestPatience: Int64 = 7 * 86400
    /// The largest threshold accepted, KB/s (about 1 GB/s).
    public static let highestKilobytes: Int64 = 1 << 20

    /// From the settings' texts (nil: absent): the update and restart thresholds in KB/s
    /// (whole numbers, 0 or more), the patience in seconds (1 to a week). A value that is not
    /// one of those keeps its default, and a restart threshold above the update threshold is
    /// lowered to it; each such problem is described in `problems`, for the log.
    public static func parse(updateBelowKB: String?, restartBelowKB: String?, patienceSeconds: String?)
      -> (thresholds: Thresholds, problems: [String])
    {
      var problems: [String] = []
      func number(_ text: String?, _ what: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let text else { return nil }
        let trimmed = ASCII.trimmed(text)
        guard let value = Int64(trimmed), range.contains(value) else {
          problems.append(
            "\(what) '\(CTCSParseError.printable(text))' is not a whole number from \(range.lowerBound) to \(range.upperBound); using the default")
          return nil
        }
        return value
      }
      let update = number(updateBelowKB, "torrent_slow_update_below", in: 0...highestKilobytes).map { $0 * 1024 }
        ?? standard.updateBelow
      var restart = number(restartBelowKB, "torrent_slow_restart_below", in: 0...highestKilobytes).map { $0 * 1024 }
        ?? standard.restartBelow
      let patience = number(patienceSeconds, "torrent_slow_patience", in: 1...longestPatience) ?? standard.patience
      if restart > update {
        problems.append(
          "torrent_slow_restart_below (\(restart / 1024) KB/s) is above torrent_slow_update_below (\(update / 1024) KB/s); using the latter")
        restart = update
      }
      return (Thresholds(updateBelow: update, restartBelow: restart, patience: patience), problems)
    }
  }

  public let thresholds: Thresholds
  private var slowSince: Int64?
  private var updatedAt: Int64?

  public init(_ thresholds: Thresholds = .standard) {
    self.thresholds = thresholds
  }

  public mutating func observe(downloadRate: Int64, complete: Bool, paused: Bool, now: Int64) -> ServerCommand? {
    guard !complete, !paused, downloadRate < thresholds.updateBelow else {
      slowSince = nil
      updatedAt = nil
      return nil
    }
    guard let since = slowSince else {
      slowSince = now
      return nil
    }
    if let updated = updatedAt {
      guard now - updated >= thresholds.patience else { return nil }
      if downloadRate < thresholds.restartBelow {
        slowSince = now
        updatedAt = nil
        return .restart
      }
      // Slow, but not stalled: ask for peers again rather than drop the ones it has.
      updatedAt = now
      return .update
    }
    guard now - since >= thresholds.patience else { return nil }
    updatedAt = now
    return .update
  }
}
