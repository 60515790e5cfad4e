/// Shares a line's bandwidth between the running torrents, one direction at a time (download
/// limits among the downloading torrents, upload limits among all). Max-min fair, after the
/// original Perl CTCS: every torrent is promised an equal share, and what a torrent leaves
/// unused is lent to those that use theirs, so a slow torrent never starves a fast one of the
/// line, and gets its share back as soon as it speeds up.
///
/// A torrent "uses" its limit when its rate reaches three quarters of it (ctorrent's limiter
/// keeps the rate it reports about 10 % under the limit); then it asks for as much as it may
/// have. One that does not asks for its rate plus the margin (half its rate, 4 KiB/s at
/// least), room to show on the next report that it can go faster. The margin is wider than
/// the quarter, so a torrent that keeps its rate is not taken for one that uses its limit on
/// the next report: the plan settles instead of swinging between lending and taking back.
/// Explicit minimums are served first (scaled down together if they exceed the line), explicit
/// maximums are never exceeded, and the limits always add up to the line when any torrent can
/// take more.
public enum BandwidthPlan {
  public struct Demand: Equatable, Sendable {
    /// Measured rate, bytes/s.
    public var rate: Int64
    /// The limit now in force (0: none yet).
    public var limit: Int64
    public var minimum: Int64?
    public var maximum: Int64?
    /// The rate went up markedly since the report before (`BandwidthPlan.rising`): ctorrent
    /// averages its rate over several seconds, so a torrent whose limit was just raised shows
    /// a rate well under it while it is in fact using it; it is taken as using its limit.
    public var rising: Bool

    public init(rate: Int64, limit: Int64, minimum: Int64? = nil, maximum: Int64? = nil, rising: Bool = false) {
      // Figures are clamped to 1 PiB/s, so no sum below can overflow.
      self.rate = min(max(rate, 0), BandwidthPlan.highestRate)
      self.limit = min(max(limit, 0), BandwidthPlan.highestRate)
      self.minimum = minimum.map { min($0, BandwidthPlan.highestRate) }
      self.maximum = maximum.map { min($0, BandwidthPlan.highestRate) }
      self.rising = rising
    }
  }

  /// Whether a rate went up markedly from one report to the next: by a sixteenth, 1 KiB/s at
  /// least.
  public static func rising(from previous: Int64, to rate: Int64) -> Bool {
    let earlier = min(max(previous, 0), highestRate)
    return min(rate, highestRate) > earlier + max(1024, earlier / 16)
  }

  /// The highest rate or limit a demand keeps.
  public static let highestRate: Int64 = 1 << 50

  /// The smallest limit ever sent: ctorrent reads 0 as "unlimited".
  public static let smallestLimit: Int64 = 1024

  /// Room a torrent below its limit gets above its rate: 4 KiB/s or half the rate.
  public static func margin(for rate: Int64) -> Int64 { max(4096, rate / 2) }

  /// Whether a torrent uses the limit it has: none yet, or a rate of three quarters of it.
  public static func uses(rate: Int64, limit: Int64) -> Bool { limit == 0 || rate >= limit - limit / 4 }

  /// The limit for each demand, in order. `total` 0 means the line is not limited: each
  /// torrent gets its maximum, or 0 (no limit) when it has none.
  public static func allocate(total line: Int64, among demands: [Demand]) -> [Int64] {
    guard !demands.isEmpty else { return [] }
    let total = min(line, highestRate)
    guard total > 0 else { return demands.map { max($0.maximum ?? 0, 0) } }
    let count = Int64(demands.count)
    // Every torrent keeps the smallest limit, even when explicit minimums claim the line.
    guard total > count * smallestLimit else { return demands.map { _ in smallestLimit } }
    let caps = demands.map { min(max($0.maximum ?? total, smallestLimit), total) }
    let floors = scaledFloors(demands, caps: caps, budget: total - count * smallestLimit)
    let wants = demands.indices.map { index -> Int64 in
      let demand = demands[index]
      let using = demand.rising || uses(rate: demand.rate, limit: demand.limit)
      let want = using ? caps[index] : demand.rate + margin(for: demand.rate)
      return min(max(want, floors[index]), caps[index])
    }
    var limits = waterFill(total - floors.reduce(0, +), from: floors, upTo: wants)
    // Left over when every torrent has what it asked for: lent to all, up to their caps, so
    // whoever speeds up first may take it.
    let spare = total - limits.reduce(0, +)
    if spare > 0 { limits = waterFill(spare, from: limits, upTo: caps) }
    return limits
  }

  /// The smallest limit plus what each explicit minimum asks beyond it (within its cap), the
  /// extras scaled down together when they exceed `budget`.
  private static func scaledFloors(_ demands: [Demand], caps: [Int64], budget: Int64) -> [Int64] {
    let extras = demands.indices.map { max(0, min(demands[$0].minimum ?? 0, caps[$0]) - smallestLimit) }
    let sum = extras.reduce(0, +)
    let scaled = sum <= budget ? extras : extras.map { Int64((Double($0) * Double(budget) / Double(sum)).rounded(.down)) }
    return scaled.map { $0 + smallestLimit }
  }

  /// Water-filling: raises the lowest levels first, each up to its ceiling, until `amount` is
  /// spent or every level reached its ceiling. The water line is the highest one the amount
  /// can pay for; what is left below one unit per level goes to the first ones at the line.
  private static func waterFill(_ amount: Int64, from levels: [Int64], upTo ceilings: [Int64]) -> [Int64] {
    func cost(_ line: Int64) -> Int64 {
      levels.indices.reduce(0) { $0 + max(0, min(line, ceilings[$1]) - levels[$1]) }
    }
    var low: Int64 = 0
    var high = ceilings.max() ?? 0
    while low < high {
      let middle = low + (high - low + 1) / 2
      if cost(middle) <= amount { low = middle } else { high = middle - 1 }
    }
    var filled = levels.indices.map { max(levels[$0], min(low, ceilings[$0])) }
    var left = amount - cost(low)
    for index in filled.indices where left > 0 && filled[index] == low && low < ceilings[index] {
      filled[index] += 1
      left -= 1
    }
    return filled
  }
}
