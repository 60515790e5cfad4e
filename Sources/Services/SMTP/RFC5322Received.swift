#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// The trace header a relay puts first (RFC 5321 §4.4) and the RFC 5322 §3.3 date in it.
public enum ReceivedHeader {
  /// `Received: from HELO (ADDRESS) [(using TLS)] [(authenticated as USER)] by HOST (in.smtp)
  /// with PROTOCOL id ID [for <RCPT>]; DATE`, folded, each line ending in LF like the body.
  /// PROTOCOL is RFC 3848's: ESMTP, ESMTPS over TLS, ESMTPSA authenticated too. The HELO name
  /// is the client's word, so only its printable ASCII is kept (so are the other comments');
  /// a single recipient is named, several are not.
  public static func render(
    envelope: SMTPEnvelope, clientAddress: String, hostName: String, id: String, date: String
  ) -> [UInt8] {
    var text = "Received: from \(commentSafe(envelope.helo)) (\(clientAddress))\n"
    if let tls = envelope.tls {
      text += "\t(using \(commentSafe(Array(tls.version.utf8))) with cipher \(commentSafe(Array(tls.cipher.utf8))))\n"
    }
    if let user = envelope.user { text += "\t(authenticated as \(commentSafe(Array(user.utf8))))\n" }
    var protocolName = envelope.extended ? "ESMTP" : "SMTP"
    if envelope.extended && envelope.tls != nil { protocolName += "S" }
    if envelope.extended && envelope.user != nil { protocolName += "A" }
    text += "\tby \(hostName) (in.smtp) with \(protocolName) id \(id)"
    if envelope.recipients.count == 1 {
      text += "\n\tfor <\(String(decoding: envelope.recipients[0], as: UTF8.self))>"
    }
    text += ";\n\t\(date)\n"
    return Array(text.utf8)
  }

  /// Printable ASCII without parentheses or backslashes, at most 255 bytes: it cannot end a
  /// comment early, fold the header or smuggle another one.
  static func commentSafe(_ bytes: [UInt8]) -> String {
    let kept = bytes.prefix(255).filter {
      ASCII.isVisible($0) && $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")") && $0 != UInt8(ascii: "\\")
    }
    return String(decoding: kept, as: UTF8.self)
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
