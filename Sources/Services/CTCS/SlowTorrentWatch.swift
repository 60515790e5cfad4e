/// Nudges a download that has stalled: after `patience` seconds below `updateBelow` bytes/s,
/// CTUPDATE (ask the tracker for more peers); if it is still below `restartBelow` another
/// `patience` seconds later, CTRESTART (a fresh tracker session). Any report at or above
/// `updateBelow` starts the watch over. A complete torrent (seeding) downloads nothing by
/// design and is never nudged, unlike the original in.ctcs, which restarted seeders every five
/// minutes.
public struct SlowTorrentWatch: Sendable {
  public static let updateBelow: Int64 = 5120
  public static let restartBelow: Int64 = 2048
  public static let patience: Int64 = 300

  private var slowSince: Int64?
  private var updatedAt: Int64?

  public init() {}

  public mutating func observe(downloadRate: Int64, complete: Bool, paused: Bool, now: Int64) -> ServerCommand? {
    guard !complete, !paused, downloadRate < Self.updateBelow else {
      slowSince = nil
      updatedAt = nil
      return nil
    }
    guard let since = slowSince else {
      slowSince = now
      return nil
    }
    if let updated = updatedAt {
      guard now - updated >= Self.patience else { return nil }
      if downloadRate < Self.restartBelow {
        slowSince = now
        updatedAt = nil
        return .restart
      }
      // Slow, but not stalled: ask for peers again rather than drop the ones it has.
      updatedAt = now
      return .update
    }
    guard now - since >= Self.patience else { return nil }
    updatedAt = now
    return .update
  }
}
