import CTCS
import TestSupport
import XCTest

final class BandwidthPlanTests: XCTestCase {
  typealias Demand = BandwidthPlan.Demand

  func testTorrentsThatUseTheirLimitsShareTheLineEqually() {
    let limits = BandwidthPlan.allocate(total: 90_000, among: [Demand(rate: 30_000, limit: 30_000), Demand(rate: 29_000, limit: 30_000), Demand(rate: 0, limit: 0)])
    XCTAssertEqual(limits, [30_000, 30_000, 30_000])
  }

  func testWhatASlowTorrentLeavesIsLentToTheOthers() {
    // The second torrent runs at 2 KB/s of its 50 KB/s: it keeps its rate plus the margin,
    // the first gets the rest of the line.
    let limits = BandwidthPlan.allocate(total: 100_000, among: [Demand(rate: 50_000, limit: 50_000), Demand(rate: 2_000, limit: 50_000)])
    XCTAssertEqual(limits, [100_000 - 6_096, 6_096])
    XCTAssertEqual(limits.reduce(0, +), 100_000)
    // Once it speeds up to its limit it asks for its share again.
    XCTAssertEqual(
      BandwidthPlan.allocate(total: 100_000, among: [Demand(rate: 93_000, limit: 93_904), Demand(rate: 6_000, limit: 6_096)]),
      [50_000, 50_000])
  }

  func testNobodyUsingTheirShareLeavesTheSpareToAll() {
    let limits = BandwidthPlan.allocate(total: 60_000, among: [Demand(rate: 1_000, limit: 30_000), Demand(rate: 0, limit: 30_000)])
    XCTAssertEqual(limits.reduce(0, +), 60_000)
    XCTAssertEqual(limits, [30_000, 30_000])
  }

  func testMinimumsComeFirstAndMaximumsAreNeverPassed() {
    let limits = BandwidthPlan.allocate(
      total: 100_000,
      among: [Demand(rate: 80_000, limit: 80_000, maximum: 20_000), Demand(rate: 1_000, limit: 10_000, minimum: 40_000), Demand(rate: 70_000, limit: 70_000)])
    XCTAssertEqual(limits, [20_000, 40_000, 40_000])
    // Minimums past the line are cut to it, then what they ask above the smallest limit is
    // scaled down together: 28,976 and 18,976 into the 27,952 left after two smallest limits.
    XCTAssertEqual(
      BandwidthPlan.allocate(total: 30_000, among: [Demand(rate: 0, limit: 0, minimum: 40_000), Demand(rate: 0, limit: 0, minimum: 20_000)]),
      [1_024 + 16_890, 1_024 + 11_061 + 1])
  }

  func testAnUnlimitedLineGivesMaximumsOrNoLimit() {
    XCTAssertEqual(BandwidthPlan.allocate(total: 0, among: [Demand(rate: 5, limit: 0, maximum: 8_192), Demand(rate: 5, limit: 0)]), [8_192, 0])
    XCTAssertEqual(BandwidthPlan.allocate(total: 50_000, among: []), [])
  }

  func testNoLimitIsEverZeroWhichCtorrentWouldReadAsUnlimited() {
    let limits = BandwidthPlan.allocate(total: 2_000, among: (0..<5).map { _ in Demand(rate: 0, limit: 0) })
    XCTAssertTrue(limits.allSatisfy { $0 >= BandwidthPlan.smallestLimit }, "\(limits)")
  }
}

final class BandwidthPlanInvariantTests: XCTestCase {
  /// Random queues: the limits fill the line exactly, keep every maximum, and give every
  /// minimum its (scaled) due.
  func testLimitsAddUpToTheLineAndKeepEveryBound() {
    var random = SplitMix64(seed: 2780)
    for _ in 0..<2_000 {
      let total = Int64(random.next() % 1_000_000) + 10_240
      let demands = (0..<Int(random.next() % 6 + 1)).map { _ -> BandwidthPlan.Demand in
        let limit = Int64(random.next() % 200_000)
        let rate = min(limit, Int64(random.next() % 200_000))
        let minimum: Int64? = random.next() % 4 == 0 ? Int64(random.next() % 100_000) : nil
        let maximum: Int64? = random.next() % 4 == 0 ? Int64(random.next() % 100_000) + 1_024 : nil
        return BandwidthPlan.Demand(rate: rate, limit: limit, minimum: minimum, maximum: maximum)
      }
      let limits = BandwidthPlan.allocate(total: total, among: demands)
      let context = "total \(total), \(demands) -> \(limits)"
      XCTAssertEqual(limits.count, demands.count)
      let caps = demands.map { min($0.maximum ?? total, total) }
      XCTAssertEqual(limits.reduce(0, +), min(total, caps.reduce(0, +)), context)
      for (limit, (demand, cap)) in zip(limits, zip(demands, caps)) {
        XCTAssertLessThanOrEqual(limit, max(cap, BandwidthPlan.smallestLimit), context)
        XCTAssertGreaterThanOrEqual(limit, BandwidthPlan.smallestLimit, context)
        let claimed = demands.reduce(Int64(0)) { $0 + ($1.minimum.map { min($0, total) } ?? BandwidthPlan.smallestLimit) }
        if let minimum = demand.minimum, claimed <= total {
          XCTAssertGreaterThanOrEqual(limit, min(minimum, cap), context)
        }
      }
    }
  }
}
