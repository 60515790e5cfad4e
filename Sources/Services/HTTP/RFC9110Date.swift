#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// RFC 9110 §5.6.7: HTTP dates. Formats IMF-fixdate; parses IMF-fixdate, RFC 850 and asctime
/// dates, all in GMT. Pure arithmetic (proleptic Gregorian calendar), no C library.
public enum HTTPDate {
  private static let weekdays = CivilDate.weekdayNames
  private static let longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
  private static let months = CivilDate.monthNames

  /// "Sun, 06 Nov 1994 08:49:37 GMT".
  public static func format(_ unixSeconds: Int64) -> String {
    let date = CivilDate(unixSeconds: unixSeconds)
    let year = date.year
    var bytes: [UInt8] = []
    bytes.reserveCapacity(29)
    bytes += weekdays[date.weekday].utf8
    bytes += [UInt8(ascii: ","), ASCII.space]
    twoDigits(date.day, &bytes)
    bytes.append(ASCII.space)
    bytes += months[date.month - 1].utf8
    bytes.append(ASCII.space)
    if year < 0 || year > 9999 {
      bytes += "\(year)".utf8
    } else {
      twoDigits(Int(year / 100), &bytes)
      twoDigits(Int(year % 100), &bytes)
    }
    bytes.append(ASCII.space)
    twoDigits(date.hour, &bytes)
    bytes.append(ASCII.colon)
    twoDigits(date.minute, &bytes)
    bytes.append(ASCII.colon)
    twoDigits(date.second, &bytes)
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
    return CivilDate.days(year: year, month: month, day: day) * 86400 + Int64(hour * 3600 + minute * 60 + second)
  }

  private static func twoDigits(_ value: Int, _ bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "0") + UInt8(value / 10 % 10))
    bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
  }
}
