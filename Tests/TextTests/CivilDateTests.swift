import Text
import XCTest

final class CivilDateTests: XCTestCase {
  func testUnixTimesNameTheirDayTimeAndWeekday() {
    let epoch = CivilDate(unixSeconds: 0)
    XCTAssertEqual([epoch.year, Int64(epoch.month), Int64(epoch.day), Int64(epoch.weekday)], [1970, 1, 1, 4])
    let leapDay = CivilDate(unixSeconds: 951_782_400 + 3661)
    XCTAssertEqual([leapDay.year, Int64(leapDay.month), Int64(leapDay.day)], [2000, 2, 29])
    XCTAssertEqual([leapDay.hour, leapDay.minute, leapDay.second, leapDay.weekday], [1, 1, 1, 2])
    // One second before the epoch is the last second of a Wednesday in 1969.
    let before = CivilDate(unixSeconds: -1)
    XCTAssertEqual([before.year, Int64(before.month), Int64(before.day), Int64(before.weekday)], [1969, 12, 31, 3])
    XCTAssertEqual(before.secondOfDay, 86399)
  }

  func testDaysFromADateAreTheInverseOfTheDateFromDays() {
    for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
      let date = CivilDate(unixSeconds: days * 86400)
      XCTAssertEqual(CivilDate.days(year: date.year, month: date.month, day: date.day), days)
    }
  }

  func testDigitsArePaddedToTheWidth() {
    XCTAssertEqual(CivilDate.digits(7, 2), "07")
    XCTAssertEqual(CivilDate.digits(2026, 4), "2026")
    XCTAssertEqual(CivilDate.digits(123, 2), "123")
  }
}
