#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The trace header a relay puts first (RFC 5321 §4.4) and the RFC 5322 §3.3 date in it.
public enum ReceivedHeader {
  /// `Received: from HELO (ADDRESS) by HOST (in.smtp) with ESMTP id ID [for <RCPT>]; DATE`,
  /// folded, each line ending in LF like the body. The HELO name is the client's word, so
  /// only its printable ASCII is kept; a single recipient is named, several are not.
  public static func render(
    envelope: SMTPEnvelope, clientAddress: String, hostName: String, id: String, date: String
  ) -> [UInt8] {
    let helo = envelope.helo.filter { ASCII.isVisible($0) && $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")") }
    var text = "Received: from \(String(decoding: helo, as: UTF8.self)) (\(clientAddress))\n"
    text += "\tby \(hostName) (in.smtp) with \(envelope.extended ? "ESMTP" : "SMTP") id \(id)"
    if envelope.recipients.count == 1 {
      text += "\n\tfor <\(String(decoding: envelope.recipients[0], as: UTF8.self))>"
    }
    text += ";\n\t\(date)\n"
    return Array(text.utf8)
  }
}

public enum RFC5322Date {
  /// "Fri, 27 Nov 2026 23:50:00 +0100" for a Unix time and the local offset from UTC.
  public static func format(unixTime: Int, utcOffsetSeconds: Int) -> String {
    let local = unixTime + utcOffsetSeconds
    var days = local / 86400
    var seconds = local % 86400
    if seconds < 0 {
      seconds += 86400
      days -= 1
    }
    // 1970-01-01 was a Thursday.
    let weekday = ((days % 7) + 7 + 4) % 7
    let (year, month, day) = civilDate(daysSinceEpoch: days)
    let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let offsetMinutes = abs(utcOffsetSeconds) / 60
    return "\(weekdays[weekday]), \(day) \(months[month - 1]) \(year) "
      + "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)) "
      + "\(utcOffsetSeconds < 0 ? "-" : "+")\(two(offsetMinutes / 60))\(two(offsetMinutes % 60))"
  }

  /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
  static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
