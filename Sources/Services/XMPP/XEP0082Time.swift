#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// XEP-0082 date-times with milliseconds, for archive stamps and the query's start and end.
enum XEP0082Time {
  /// `2026-11-27T23:48:38.123Z`.
  static func format(milliseconds: Int64) -> String {
    let seconds = milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000)
    let fraction = milliseconds - seconds * 1000
    let date = CivilDate(unixSeconds: seconds)
    func two(_ value: Int) -> String { CivilDate.digits(Int64(value), 2) }
    return CivilDate.digits(date.year, 4) + "-" + two(date.month) + "-" + two(date.day) + "T" + two(date.hour) + ":"
      + two(date.minute) + ":" + two(date.second) + "." + CivilDate.digits(fraction, 3) + "Z"
  }

  /// `CCYY-MM-DDThh:mm:ss[.s+](Z|(+|-)hh:mm)` as Unix ms (fractions past ms cut off); nil
  /// when it is not one.
  static func parse(_ text: String) -> Int64? {
    let bytes = Array(text.utf8)
    var position = 0
    func number(_ width: Int) -> Int64? {
      guard position + width <= bytes.count else { return nil }
      var value: Int64 = 0
      for byte in bytes[position..<(position + width)] {
        guard ASCII.isDigit(byte) else { return nil }
        value = value * 10 + Int64(byte - UInt8(ascii: "0"))
      }
      position += width
      return value
    }
    func expect(_ character: Unicode.Scalar) -> Bool {
      guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
      position += 1
      return true
    }
    guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("T"),
      let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
      (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
    else { return nil }
    var milliseconds: Int64 = 0
    if expect(".") {
      var digits = 0
      while position < bytes.count, ASCII.isDigit(bytes[position]) {
        if digits < 3 { milliseconds = milliseconds * 10 + Int64(bytes[position] - UInt8(ascii: "0")) }
        digits += 1
        position += 1
      }
      guard digits > 0 else { return nil }
      for _ in digits..<max(digits, 3) { milliseconds *= 10 }
    }
    var offset: Int64 = 0
    if !expect("Z") {
      let sign: Int64
      if expect("+") { sign = 1 } else if expect("-") { sign = -1 } else { return nil }
      guard let offsetHours = number(2), expect(":"), let offsetMinutes = number(2), offsetHours < 24,
        offsetMinutes < 60
      else { return nil }
      offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
    }
    guard position == bytes.count else { return nil }
    let days = CivilDate.days(year: year, month: Int(month), day: Int(day))
    return ((days * 86400 + hour * 3600 + minute * 60 + second) - offset) * 1000 + milliseconds
  }
}
