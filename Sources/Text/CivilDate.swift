/// Dates on the proleptic Gregorian calendar from Unix time and back, by Howard Hinnant's
/// day-count algorithms: pure arithmetic, no C library or time zone files, for the date
/// formats the protocols write (HTTP dates, RFC 5322 dates, XEP-0082 stamps).
public struct CivilDate: Equatable, Sendable {
  public var year: Int64
  /// 1 to 12.
  public var month: Int
  /// 1 to 31.
  public var day: Int
  /// 0 (Sunday) to 6.
  public var weekday: Int
  /// Seconds since midnight, 0 to 86399.
  public var secondOfDay: Int

  public static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
  public static let weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

  /// The date and time of day `unixSeconds` names (negative ones too).
  public init(unixSeconds: Int64) {
    let days = CivilDate.floorDivide(unixSeconds, 86400)
    secondOfDay = Int(unixSeconds - days * 86400)
    // 1970-01-01 was a Thursday.
    weekday = Int(days + 4 - CivilDate.floorDivide(days + 4, 7) * 7)
    // civil_from_days
    let z = days + 719_468
    let era = CivilDate.floorDivide(z, 146_097)
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
    month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
    year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  }

  /// Days since 1970-01-01 of a calendar date (days_from_civil).
  public static func days(year: Int64, month: Int, day: Int) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDivide(y, 400)
    let yearOfEra = y - era * 400
    let m = Int64(month)
    let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  public var hour: Int { secondOfDay / 3600 }
  public var minute: Int { secondOfDay / 60 % 60 }
  public var second: Int { secondOfDay % 60 }

  /// `value` in decimal, zero-padded to `width` digits.
  public static func digits(_ value: Int64, _ width: Int) -> String {
    var text = "\(value)"
    while text.utf8.count < width { text = "0" + text }
    return text
  }

  private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
  }
}
