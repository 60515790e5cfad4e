import DHCP
import Store
import XCTest

final class RFC2132OptionsTests: XCTestCase {
  func testUdhcpcDiscoverOptionsReadTyped() throws {
    let message = try DHCPMessage.decode(udhcpcDiscover[...])
    XCTAssertEqual(message.requestedAddress, 0xC0A8_0065)
    XCTAssertNil(message.serverIdentifier)
    XCTAssertNil(message.leaseTime)
    XCTAssertEqual(message.parameterRequestList, [1, 3, 6, 12, 15, 28, 42])
    XCTAssertEqual(message.maximumMessageSize, 576)
    XCTAssertEqual(message.clientIdentifier, [1] + udhcpcMAC)
    XCTAssertEqual(message.hostname, "nas")
    XCTAssertEqual(message.vendorClass, "udhcp 1.36.1")
  }

  func testDhclientRequestOptionsReadTyped() throws {
    let message = try DHCPMessage.decode(dhclientRequest[...])
    XCTAssertEqual(message.serverIdentifier, 0xC0A8_0001)
    XCTAssertEqual(message.requestedAddress, 0xC0A8_0064)
    XCTAssertEqual(message.maximumMessageSize, 1500)
    XCTAssertEqual(message.hostname, "laptop")
    XCTAssertEqual(message.vendorClass, "dhclient")
  }

  func testMalformedTypedOptionsReadAsAbsent() throws {
    let packet = requestHeader(xid: 1, mac: udhcpcMAC) + magicCookie
      + [53, 1, 1, 50, 3, 10, 0, 0, 54, 5, 1, 2, 3, 4, 5, 57, 2, 0x01, 0x00, 61, 0, 12, 0, 255]
    let message = try DHCPMessage.decode(packet[...])
    XCTAssertNil(message.requestedAddress)
    XCTAssertNil(message.serverIdentifier)
    XCTAssertNil(message.maximumMessageSize, "256 is below the 576 every client accepts")
    XCTAssertNil(message.clientIdentifier)
    XCTAssertNil(message.hostname)
    XCTAssertEqual(message.parameterRequestList, [])
  }

  func testServerOptionsAreSetTypedAndWrittenBigEndian() throws {
    var reply = DHCPMessage(op: DHCPMessage.bootReply, xid: 5, chaddr: udhcpcMAC, messageType: .ack)
    reply.serverIdentifier = 0xC0A8_0001
    reply.leaseTime = 86400
    reply.requestedAddress = nil
    XCTAssertEqual(reply.option(54), [192, 168, 0, 1])
    XCTAssertEqual(reply.option(51), [0, 1, 0x51, 0x80])
    XCTAssertEqual(reply.options.map(\.code), [54, 51])
    let decoded = try DHCPMessage.decode(reply.encode()[...])
    XCTAssertEqual(decoded.leaseTime, 86400)
    XCTAssertEqual(decoded.serverIdentifier, 0xC0A8_0001)
  }

  func encoded(_ values: [String], _ encoding: DHCPEncoding) -> [UInt8]? {
    DHCPOptionEncoder.encode(code: 200, values: values, as: encoding)?.bytes
  }

  func testEncoderWritesEveryEncoding() {
    XCTAssertEqual(encoded(["255.255.255.0"], .address), [255, 255, 255, 0])
    XCTAssertEqual(encoded(["192.168.0.1", "8.8.8.8"], .addresses), [192, 168, 0, 1, 8, 8, 8, 8])
    XCTAssertEqual(
      encoded(["10.1.0.0", "192.168.0.254", "10.2.0.0", "192.168.0.253"], .addressPairs),
      [10, 1, 0, 0, 192, 168, 0, 254, 10, 2, 0, 0, 192, 168, 0, 253])
    XCTAssertEqual(encoded(["home"], .text), Array("home".utf8))
    XCTAssertEqual(encoded(["my", "scope"], .text), Array("my scope".utf8))
    XCTAssertEqual(encoded(["1"], .byte), [1])
    XCTAssertEqual(encoded(["1500"], .uint16), [0x05, 0xDC])
    XCTAssertEqual(encoded(["86400"], .uint32), [0, 1, 0x51, 0x80])
    XCTAssertEqual(encoded(["4294967295"], .uint32), [255, 255, 255, 255])
    XCTAssertEqual(encoded(["-3600"], .int32), [0xFF, 0xFF, 0xF1, 0xF0])
    XCTAssertEqual(DHCPOptionEncoder.encode(code: 3, values: ["192.168.0.254"], as: .addresses),
                   DHCPOption(code: 3, bytes: [192, 168, 0, 254]))
  }

  func testEncoderRefusesValuesThatDoNotFit() {
    XCTAssertNil(encoded([], .addresses))
    XCTAssertNil(encoded(["192.168.0.1", "10.0.0.1"], .address))
    XCTAssertNil(encoded(["192.168.0.256"], .address))
    XCTAssertNil(encoded(["192.168.0"], .address))
    XCTAssertNil(encoded(["192.168.0.1.5"], .address))
    XCTAssertNil(encoded(["192.168..1"], .address))
    XCTAssertNil(encoded(["1921.168.0.1"], .address))
    XCTAssertNil(encoded(["192.168.0.1", "nas"], .addresses))
    XCTAssertNil(encoded(["10.1.0.0", "192.168.0.254", "10.2.0.0"], .addressPairs))
    XCTAssertNil(encoded(["256"], .byte))
    XCTAssertNil(encoded(["65536"], .uint16))
    XCTAssertNil(encoded(["-1"], .uint32))
    XCTAssertNil(encoded(["2147483648"], .int32))
    XCTAssertNil(encoded(["1", "2"], .uint16))
    XCTAssertNil(encoded([""], .text))
  }

  func testValuesReadEveryEncodingBackAsTheConfigurationWritesIt() {
    let settings: [([String], DHCPEncoding)] = [
      (["255.255.255.0"], .address), (["192.168.0.1", "8.8.8.8"], .addresses),
      (["10.1.0.0", "192.168.0.254"], .addressPairs), (["my scope"], .text), (["1"], .byte), (["1500"], .uint16),
      (["4294967295"], .uint32), (["-3600"], .int32),
    ]
    for (values, encoding) in settings {
      let bytes = encoded(values, encoding) ?? []
      XCTAssertEqual(DHCPOptionEncoder.values(bytes, as: encoding), values, "\(encoding)")
    }
  }

  func testValuesRefuseBytesThatDoNotFitTheEncoding() {
    XCTAssertNil(DHCPOptionEncoder.values([192, 168, 0, 1, 8], as: .address))
    XCTAssertNil(DHCPOptionEncoder.values([192, 168, 0, 1, 8, 8, 8, 8], as: .address))
    XCTAssertNil(DHCPOptionEncoder.values([192, 168, 0, 1], as: .addressPairs))
    XCTAssertNil(DHCPOptionEncoder.values([], as: .addresses))
    XCTAssertNil(DHCPOptionEncoder.values([], as: .text))
    XCTAssertNil(DHCPOptionEncoder.values([1, 2], as: .byte))
    XCTAssertNil(DHCPOptionEncoder.values([1, 2, 3], as: .uint32))
  }

  func testTextLongerThan255BytesIsSentAsSeveralInstancesAndReadBackWhole() throws {
    let words = (0..<60).map { "path\($0)" }
    let option = try XCTUnwrap(DHCPOptionEncoder.encode(code: 17, values: words, as: .text))
    XCTAssertGreaterThan(option.bytes.count, 255)
    var ack = DHCPMessage(op: DHCPMessage.bootReply, xid: 5, chaddr: udhcpcMAC, messageType: .ack)
    ack.options.append(option)
    let bytes = ack.encode()
    let lengths = optionInstances(bytes).filter { $0.code == 17 }.map(\.length)
    XCTAssertEqual(lengths, [255, option.bytes.count - 255])
    XCTAssertEqual(try DHCPMessage.decode(bytes[...]).option(17), Array(words.joined(separator: " ").utf8))
  }
}
