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
    let date = CivilDate(unixSeconds: Int64(unixTime + utcOffsetSeconds))
    let offsetMinutes = Int64(abs(utcOffsetSeconds) / 60)
    return "\(CivilDate.weekdayNames[date.weekday]), \(date.day) \(CivilDate.monthNames[date.month - 1]) \(date.year) "
      + "\(two(date.hour)):\(two(date.minute)):\(two(date.second)) "
      + "\(utcOffsetSeconds < 0 ? "-" : "+")\(CivilDate.digits(offsetMinutes / 60, 2))\(CivilDate.digits(offsetMinutes % 60, 2))"
  }

  private static func two(_ value: Int) -> String { CivilDate.digits(Int64(value), 2) }
}
