import SMTP
import XCTest

final class DateAndHeaderTests: XCTestCase {
  func testRFC5322DatesAcrossEpochsLeapDaysAndOffsets() {
    XCTAssertEqual(RFC5322Date.format(unixTime: 0, utcOffsetSeconds: 0), "Thu, 1 Jan 1970 00:00:00 +0000")
    // 2000-02-29 is a leap day of a century leap year.
    XCTAssertEqual(RFC5322Date.format(unixTime: 951_782_400, utcOffsetSeconds: 0), "Tue, 29 Feb 2000 00:00:00 +0000")
    XCTAssertEqual(RFC5322Date.format(unixTime: 4_102_444_799, utcOffsetSeconds: 0), "Thu, 31 Dec 2099 23:59:59 +0000")
    // The local wall clock with its offset: 22:13 UTC is 17:13 in New York and 03:43 next day in India.
    XCTAssertEqual(RFC5322Date.format(unixTime: 1_700_000_000, utcOffsetSeconds: -18000), "Tue, 14 Nov 2023 17:13:20 -0500")
    XCTAssertEqual(RFC5322Date.format(unixTime: 1_700_000_000, utcOffsetSeconds: 19800), "Wed, 15 Nov 2023 03:43:20 +0530")
  }

  func testTheReceivedHeaderNamesHELOClientHostIDAndASingleRecipient() {
    let one = SMTPEnvelope(helo: Array("pc (evil)\u{1}".utf8), extended: true, sender: [], recipients: [Array("b@lan".utf8)], eightBit: false)
    XCTAssertEqual(
      String(decoding: ReceivedHeader.render(envelope: one, clientAddress: "[192.168.1.5]", hostName: "relay", id: "X1", date: "D"), as: UTF8.self),
      "Received: from pcevil ([192.168.1.5])\n\tby relay (in.smtp) with ESMTP id X1\n\tfor <b@lan>;\n\tD\n")
    var two = one
    two.extended = false
    two.recipients.append(Array("c@lan".utf8))
    XCTAssertEqual(
      String(decoding: ReceivedHeader.render(envelope: two, clientAddress: "[::1]", hostName: "relay", id: "X2", date: "D"), as: UTF8.self),
      "Received: from pcevil ([::1])\n\tby relay (in.smtp) with SMTP id X2;\n\tD\n")
  }
}
