import DNS
import XCTest

/// The counts `in.dns -n` prints: names with addresses and their records, by local domain.
final class ZoneCountsTests: XCTestCase {
  func testNamesCountInTheirLocalDomainAndTheRestOutside() {
    XCTAssertEqual(
      Fixture.zone.addressCounts(),
      [ZoneCount(domain: "home", names: 4, records: 5), ZoneCount(domain: nil, names: 1, records: 1)])
  }

  func testANameCountsInTheClosestEnclosingDomainWhateverItsCase() {
    var zone = Zone(localDomains: ["home", "Lan.Home", "empty"], serverName: "ns.home")
    zone.add(name: "NAS.lan.home", ipv4: 0x0A00_0001)
    zone.add(name: "tv.home", ipv4: 0x0A00_0002)
    zone.add(name: "laptop", ipv4: 0x0A00_0003)
    XCTAssertEqual(
      zone.addressCounts(),
      [
        ZoneCount(domain: "home", names: 1, records: 1), ZoneCount(domain: "Lan.Home", names: 1, records: 1),
        ZoneCount(domain: "empty", names: 0, records: 0), ZoneCount(domain: nil, names: 1, records: 1),
      ])
  }
}
