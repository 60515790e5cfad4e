#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9110 §5.6.7: HTTP dates. Formats IMF-fixdate; parses IMF-fixdate, RFC 850 and asctime
/// dates, all in GMT. Pure arithmetic (proleptic Gregorian calendar), no C library.
public enum HTTPDate {
  private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  private static let longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
  private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

  /// "Sun, 06 Nov 1994 08:49:37 GMT".
  public static func format(_ unixSeconds: Int64) -> String {
    let days = floorDivide(unixSeconds, 86400)
    let seconds = Int(unixSeconds - days * 86400)
    let (year, month, day) = civil(fromDays: days)
    let weekday = Int(floorModulo(days + 4, 7))
    var bytes: [UInt8] = []
    bytes.reserveCapacity(29)
    bytes += weekdays[weekday].utf8
    bytes += [UInt8(ascii: ","), ASCII.space]
    twoDigits(day, &bytes)
    bytes.append(ASCII.space)
    bytes += months[month - 1].utf8
    bytes.append(ASCII.space)
    if year < 0 || year > 9999 {
      bytes += "\(year)".utf8
    } else {
      twoDigits(Int(year / 100), &bytes)
      twoDigits(Int(year % 100), &bytes)
    }
    bytes.append(ASCII.space)
    twoDigits(seconds / 3600, &bytes)
    bytes.append(ASCII.colon)
    twoDigits(seconds / 60 % 60, &bytes)
    bytes.append(ASCII.colon)
    twoDigits(seconds % 60, &bytes)
    bytes += " GMT".utf8
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Seconds since 1970 for a date in any of the three formats, or nil.
  public static func parse(_ text: String) -> Int64? {
    let tokens = text.utf8.split(separator: ASCII.space)
    switch tokens.count {
    case 6:
      // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
      guard tokens[0].last == UInt8(ascii: ","), weekdays.contains(where: { matches(tokens[0].dropLast(), $0) }),
        tokens[1].count == 2, let day = number(tokens[1]), let month = month(tokens[2]),
        tokens[3].count == 4, let year = number(tokens[3]), matches(tokens[5], "GMT")
      else { return nil }
      return seconds(year: Int64(year), month: month, day: day, time: tokens[4])
    case 4:
      // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
      guard tokens[0].last == UInt8(ascii: ","), longWeekdays.contains(where: { matches(tokens[0].dropLast(), $0) }),
        matches(tokens[3], "GMT")
      else { return nil }
      let parts = tokens[1].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
      guard parts.count == 3, parts[0].count == 2, let day = number(parts[0]), let month = month(parts[1]),
        parts[2].count == 2, let shortYear = number(parts[2])
      else { return nil }
      // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
      let year = shortYear < 70 ? 2000 + shortYear : 1900 + shortYear
      return seconds(year: Int64(year), month: month, day: day, time: tokens[2])
    case 5:
      // asctime: Sun Nov  6 08:49:37 1994
      guard weekdays.contains(where: { matches(tokens[0], $0) }), let month = month(tokens[1]),
        (1...2).contains(tokens[2].count), let day = number(tokens[2]), tokens[4].count == 4,
        let year = number(tokens[4])
      else { return nil }
      return seconds(year: Int64(year), month: month, day: day, time: tokens[3])
    default:
      return nil
    }
  }

  private static func matches(_ bytes: Substring.UTF8View.SubSequence, _ name: String) -> Bool {
    bytes.elementsEqual(name.utf8)
  }

  private static func number(_ bytes: Substring.UTF8View.SubSequence) -> Int? {
    guard bytes.count <= 4, let value = ASCII.decimal(bytes) else { return nil }
    return Int(value)
  }

  private static func month(_ bytes: Substring.UTF8View.SubSequence) -> Int? {
    months.firstIndex { matches(bytes, $0) }.map { $0 + 1 }
  }

  private static func seconds(year: Int64, month: Int, day: Int, time: Substring.UTF8View.SubSequence) -> Int64? {
    let parts = time.split(separator: ASCII.colon, omittingEmptySubsequences: false)
    guard parts.count == 3, parts.allSatisfy({ $0.count == 2 }), let hour = number(parts[0]),
      let minute = number(parts[1]), let second = number(parts[2]), hour < 24, minute < 60, second <= 60
    else { return nil }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard day >= 1, day <= lengths[month - 1] else { return nil }
    return days(fromCivil: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
  }

  private static func twoDigits(_ value: Int, _ bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
  }

  private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
  }

  private static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { a - floorDivide(a, b) * b }

  /// Howard Hinnant's days_from_civil.
  static func days(fromCivil year: Int64, month: Int, day: Int) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = floorDivide(y, 400)
    let yearOfEra = y - era * 400
    let m = Int64(month)
    let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146097 + dayOfEra - 719468
  }

  /// Howard Hinnant's civil_from_days.
  static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
    let z = days + 719468
    let era = floorDivide(z, 146097)
    let dayOfEra = z - era * 146097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
    let month = Int(mp < 10 ? mp + 3 : mp - 9)
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}
