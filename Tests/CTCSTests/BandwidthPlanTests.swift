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

final class BandwidthPlanSettlingTests: XCTestCase {
  typealias Demand = BandwidthPlan.Demand

  /// Rounds of plan and report as with real ctorrents: each reports a rate of 89 % of its
  /// limit (what dnh3.3.2's limiter shows) or what it can move, whichever is less.
  private func settle(total: Int64, capacities: [Int64], limits start: [Int64], rounds: Int) -> [[Int64]] {
    var limits = start
    var history: [[Int64]] = []
    for _ in 0..<rounds {
      let demands = zip(capacities, limits).map { capacity, limit in
        BandwidthPlan.Demand(rate: limit == 0 ? capacity : min(capacity, limit * 89 / 100), limit: limit)
      }
      limits = BandwidthPlan.allocate(total: total, among: demands)
      history.append(limits)
    }
    return history
  }

  func testASeederAndALeecherSettleWithTheSeederUsingNearlyTheWholeUploadLine() {
    // The seeder alone had the line and nothing to upload; the leecher joins without a limit
    // and uploads nothing.
    let line: Int64 = 2048 * 1024
    let history = settle(total: line, capacities: [10_000_000, 0], limits: [line, 0], rounds: 12)
    let settled = history[4]
    XCTAssertGreaterThanOrEqual(settled[0], line - 8192, "\(history)")
    XCTAssertLessThanOrEqual(settled[1], 8192, "\(history)")
    XCTAssertEqual(settled.reduce(0, +), line)
    XCTAssertTrue(history.dropFirst(4).allSatisfy { $0 == settled }, "no swinging: \(history)")
  }

  func testASteadySlowTorrentKeepsItsRoomAndTheRestStaysWithTheFastOne() {
    let history = settle(total: 500_000, capacities: [20_000, 5_000_000], limits: [0, 0], rounds: 12)
    let settled = history[5]
    XCTAssertEqual(settled, [30_000, 470_000], "\(history)")
    XCTAssertTrue(history.dropFirst(5).allSatisfy { $0 == settled }, "no swinging: \(history)")
  }

  func testATorrentWhoseRateIsStillClimbingIsTakenAsUsingItsLimit() {
    // ctorrent's rate is an average over seconds: just after a raise it shows a third of it.
    let climbing = BandwidthPlan.allocate(
      total: 2_000_000, among: [Demand(rate: 300_000, limit: 1_000_000, rising: true), Demand(rate: 0, limit: 4_096)])
    XCTAssertEqual(climbing, [2_000_000 - 4_096, 4_096])
    let flat = BandwidthPlan.allocate(
      total: 2_000_000, among: [Demand(rate: 300_000, limit: 1_000_000), Demand(rate: 0, limit: 4_096)])
    XCTAssertEqual(flat, [1_000_000, 1_000_000], "neither uses its limit: the line is lent to both")
    XCTAssertTrue(BandwidthPlan.rising(from: 300_000, to: 400_000))
    XCTAssertFalse(BandwidthPlan.rising(from: 300_000, to: 310_000), "noise")
    XCTAssertFalse(BandwidthPlan.rising(from: 0, to: 1_000), "under 1 KiB/s is noise")
    XCTAssertFalse(BandwidthPlan.rising(from: 400_000, to: 300_000))
    // A hostile client's figures cannot overflow the plan.
    let huge = BandwidthPlan.allocate(
      total: 1_000_000, among: [Demand(rate: .max, limit: .max - 1), Demand(rate: .max / 3 * 2, limit: 5, rising: true)])
    XCTAssertEqual(huge.reduce(0, +), 1_000_000)
    XCTAssertTrue(BandwidthPlan.rising(from: .min, to: .max))
    XCTAssertFalse(BandwidthPlan.rising(from: .max, to: .max))
  }

  func testATorrentThatSpeedsUpGetsItsShareBack() {
    var limits = settle(total: 500_000, capacities: [20_000, 5_000_000], limits: [0, 0], rounds: 8).last!
    // More peers: the slow one could now move 400 KB/s.
    limits = settle(total: 500_000, capacities: [400_000, 5_000_000], limits: limits, rounds: 6).last!
    XCTAssertEqual(limits, [250_000, 250_000])
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
