import DHCP
import TestSupport
import XCTest

final class RFC2131MessageTests: XCTestCase {
  func testUdhcpcDiscoverDecodesFieldByField() throws {
    let message = try DHCPMessage.decode(udhcpcDiscover[...])
    XCTAssertEqual(message.op, DHCPMessage.bootRequest)
    XCTAssertEqual(message.htype, 1)
    XCTAssertEqual(message.hlen, 6)
    XCTAssertEqual(message.hops, 0)
    XCTAssertEqual(message.xid, 0x3903_F326)
    XCTAssertEqual(message.secs, 0)
    XCTAssertFalse(message.broadcast)
    XCTAssertEqual([message.ciaddr, message.yiaddr, message.siaddr, message.giaddr], [0, 0, 0, 0])
    XCTAssertEqual(message.hardwareAddress, udhcpcMAC)
    XCTAssertEqual(message.chaddr.count, 16)
    XCTAssertEqual(message.sname, [UInt8](repeating: 0, count: 64))
    XCTAssertEqual(message.file, [UInt8](repeating: 0, count: 128))
    XCTAssertEqual(message.messageType, .discover)
    XCTAssertEqual(message.options.map(\.code), [61, 50, 12, 57, 60, 55])
    XCTAssertEqual(message.option(61), [1] + udhcpcMAC)
    XCTAssertEqual(message.option(50), [192, 168, 0, 101])
    XCTAssertEqual(message.option(12), Array("nas".utf8))
    XCTAssertEqual(message.option(57), [0x02, 0x40])
    XCTAssertEqual(message.option(60), Array("udhcp 1.36.1".utf8))
    XCTAssertEqual(message.option(55), [1, 3, 6, 12, 15, 28, 42])
    XCTAssertNil(message.option(54))
  }

  func testDhclientRequestDecodesFieldByField() throws {
    let message = try DHCPMessage.decode(dhclientRequest[...])
    XCTAssertEqual(message.xid, 0x6B8A_0D21)
    XCTAssertEqual(message.secs, 3)
    XCTAssertEqual(message.messageType, .request)
    XCTAssertEqual(message.hardwareAddress, dhclientMAC)
    XCTAssertEqual(message.option(54), [192, 168, 0, 1])
    XCTAssertEqual(message.option(50), [192, 168, 0, 100])
    XCTAssertEqual(message.option(12), Array("laptop".utf8))
    XCTAssertEqual(message.option(55), [1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42])
    XCTAssertEqual(message.option(57), [0x05, 0xDC])
  }

  func testDecodeReadsASliceThatDoesNotStartAtZero() throws {
    let padded = [0xAA, 0xBB] + dhclientRequest
    let message = try DHCPMessage.decode(padded[2...])
    XCTAssertEqual(message, try DHCPMessage.decode(dhclientRequest[...]))
  }

  func offer() -> DHCPMessage {
    var message = DHCPMessage(
      op: DHCPMessage.bootReply, xid: 0x3903_F326, flags: DHCPMessage.broadcastFlag,
      yiaddr: 0xC0A8_0065, siaddr: 0xC0A8_0001, chaddr: udhcpcMAC, file: Array("dongle.bin".utf8),
      messageType: .offer)
    message.setOption(54, [192, 168, 0, 1])
    message.setOption(51, [0, 1, 0x51, 0x80])
    message.setOption(1, [255, 255, 255, 0])
    message.setOption(3, [192, 168, 0, 254])
    message.setOption(15, Array("home".utf8))
    return message
  }

  func testOfferEncodesByteExactWithType53FirstEnd255LastPaddedTo300() throws {
    let bytes = offer().encode()
    var expected: [UInt8] = [2, 1, 6, 0, 0x39, 0x03, 0xF3, 0x26, 0, 0, 0x80, 0]
    expected += [0, 0, 0, 0, 192, 168, 0, 101, 192, 168, 0, 1, 0, 0, 0, 0]
    expected += udhcpcMAC + [UInt8](repeating: 0, count: 10)
    expected += [UInt8](repeating: 0, count: 64)
    expected += Array("dongle.bin".utf8) + [UInt8](repeating: 0, count: 118)
    expected += magicCookie
    expected += [53, 1, 2, 54, 4, 192, 168, 0, 1, 51, 4, 0, 1, 0x51, 0x80, 1, 4, 255, 255, 255, 0]
    expected += [3, 4, 192, 168, 0, 254, 15, 4] + Array("home".utf8) + [255]
    expected += [UInt8](repeating: 0, count: 300 - expected.count)
    XCTAssertEqual(bytes, expected)
    XCTAssertEqual(try DHCPMessage.decode(bytes[...]), offer())
  }

  func testAckWithManyOptionsIsNotPaddedAndRoundTrips() throws {
    var ack = offer()
    ack.messageType = .ack
    ack.broadcast = false
    ack.setOption(6, [UInt8](repeating: 8, count: 4 * 20))
    ack.setOption(17, Array(repeating: UInt8(ascii: "r"), count: 200))
    let bytes = ack.encode()
    XCTAssertGreaterThan(bytes.count, 300)
    XCTAssertEqual(bytes.last, 255)
    XCTAssertEqual(Array(bytes[240..<243]), [53, 1, 5])
    XCTAssertEqual(try DHCPMessage.decode(bytes[...]), ack)
  }

  func testValueLongerThan255BytesIsSplitAndJoinedAgain() throws {
    var ack = offer()
    let long = (0..<600).map { UInt8($0 % 251) }
    ack.setOption(17, long)
    let bytes = ack.encode()
    XCTAssertEqual(try DHCPMessage.decode(bytes[...]).option(17), long)
    XCTAssertEqual(optionInstances(bytes).filter { $0.code == 17 }.map(\.length), [255, 255, 90])
  }

  func testEveryTruncationIsRejectedWithoutATrap() {
    let packet = Array(dhclientRequest)
    for length in 0..<packet.count {
      do {
        _ = try DHCPMessage.decode(packet[..<length])
        XCTFail("a packet cut to \(length) bytes was accepted")
      } catch {
        switch error {
        case .tooShort(let count): XCTAssertEqual(count, length)
        case .optionOverrun, .missingEnd: XCTAssertGreaterThanOrEqual(length, 240)
        default: XCTFail("cut to \(length): \(error)")
        }
      }
    }
  }

  func testBadCookieIsRejected() {
    var packet = udhcpcDiscover
    packet[239] = 0x64
    XCTAssertThrowsError(try DHCPMessage.decode(packet[...])) { error in
      XCTAssertEqual(error as? DHCPDecodeError, .badCookie)
    }
  }

  func testHardwareLength17IsRejected() {
    let packet = requestHeader(xid: 1, mac: udhcpcMAC, hlen: 17) + magicCookie + [53, 1, 1, 255]
    XCTAssertThrowsError(try DHCPMessage.decode(packet[...])) { error in
      XCTAssertEqual(error as? DHCPDecodeError, .badHardwareLength(17))
    }
  }

  func testMessageTypeIsFoundAfterOtherOptions() throws {
    let packet = requestHeader(xid: 7, mac: udhcpcMAC) + magicCookie
      + [0, 0, 12, 2, 0x6D, 0x76, 50, 4, 10, 0, 0, 9, 53, 1, 8, 255]
    let message = try DHCPMessage.decode(packet[...])
    XCTAssertEqual(message.messageType, .inform)
    XCTAssertEqual(message.options.map(\.code), [12, 50])
  }

  func testMissingAndUnknownMessageTypesAreNamed() {
    let header = requestHeader(xid: 7, mac: udhcpcMAC) + magicCookie
    for (options, expected) in [
      ([12, 1, 0x61, 255], DHCPDecodeError.missingMessageType),
      ([53, 1, 9, 255], .unknownMessageType(9)),
      ([53, 1, 0, 255], .unknownMessageType(0)),
      ([53, 2, 1, 1, 255], .badOptionLength(53)),
      ([53, 1, 1, 12, 9, 0x61, 255], .optionOverrun(12)),
      ([53, 1, 1, 12], .optionOverrun(12)),
      ([53, 1, 1], .missingEnd),
    ] as [([UInt8], DHCPDecodeError)] {
      XCTAssertThrowsError(try DHCPMessage.decode((header + options)[...])) { error in
        XCTAssertEqual(error as? DHCPDecodeError, expected, "\(options)")
      }
    }
  }

  func testOverloadedFileAndSnameFieldsCarryOptions() throws {
    var packet = requestHeader(xid: 9, mac: udhcpcMAC)
    let fileOptions: [UInt8] = [53, 1, 3, 50, 4, 192, 168, 0, 77, 255]
    let snameOptions: [UInt8] = [12, 4] + Array("wii0".utf8) + [255]
    packet.replaceSubrange(108..<(108 + fileOptions.count), with: fileOptions)
    packet.replaceSubrange(44..<(44 + snameOptions.count), with: snameOptions)
    packet += magicCookie + [52, 1, 3, 61, 2, 1, 2, 255]
    let message = try DHCPMessage.decode(packet[...])
    XCTAssertEqual(message.messageType, .request)
    XCTAssertEqual(message.options.map(\.code), [61, 50, 12])
    XCTAssertEqual(message.option(50), [192, 168, 0, 77])
    XCTAssertEqual(message.option(12), Array("wii0".utf8))
  }

  func testFileFieldIsNotReadAsOptionsWithoutOverload() {
    var packet = requestHeader(xid: 9, mac: udhcpcMAC)
    packet.replaceSubrange(108..<111, with: [53, 1, 3])
    packet += magicCookie + [255]
    XCTAssertThrowsError(try DHCPMessage.decode(packet[...])) { error in
      XCTAssertEqual(error as? DHCPDecodeError, .missingMessageType)
    }
  }

  func testRepeatedOptionIsConcatenated() throws {
    let packet = requestHeader(xid: 9, mac: udhcpcMAC) + magicCookie
      + [55, 2, 1, 3, 53, 1, 1, 55, 3, 6, 15, 28, 255]
    XCTAssertEqual(try DHCPMessage.decode(packet[...]).option(55), [1, 3, 6, 15, 28])
  }

  func testRandomBytesNeverTrap() {
    var random = SplitMix64(seed: 0x5EED_D4C9)
    var accepted = 0
    for round in 0..<100_000 {
      let length = Int(random.next() % 420)
      var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      // Most rounds get a valid header so the option parser sees the random part.
      if round % 4 != 0 && length >= 244 {
        bytes[2] = 6
        bytes.replaceSubrange(236..<240, with: magicCookie)
        if round % 2 == 0 { bytes.replaceSubrange(240..<243, with: [53, 1, 1]) }
      }
      if (try? DHCPMessage.decode(bytes[...])) != nil { accepted += 1 }
    }
    // Both ways out of the decoder were taken: some random option areas were well formed.
    XCTAssertTrue((1..<100_000).contains(accepted), "accepted \(accepted)")
  }
}

/// The code and length of every option instance after the cookie, in wire order.
func optionInstances(_ bytes: [UInt8]) -> [(code: UInt8, length: Int)] {
  var instances: [(code: UInt8, length: Int)] = []
  var index = 240
  while index + 1 < bytes.count && bytes[index] != 255 {
    instances.append((bytes[index], Int(bytes[index + 1])))
    index += 2 + Int(bytes[index + 1])
  }
  return instances
}
