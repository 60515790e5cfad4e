@testable import Runtime
import XCTest

final class PacketInfoTests: XCTestCase {
  /// One control message as the kernel lays it out on LP64: length, level, type, data, padding.
  func message(level: UInt32, type: UInt32, data: [UInt8]) -> [UInt8] {
    let length = 16 + data.count
    let bytes = littleEndian(UInt64(length), 8) + littleEndian(UInt64(level), 4) + littleEndian(UInt64(type), 4) + data
    return bytes + Array(repeating: 0, count: (8 - length % 8) % 8)
  }

  func littleEndian(_ value: UInt64, _ size: Int) -> [UInt8] {
    (0..<size).map { UInt8(value >> (8 * $0) & 0xFF) }
  }

  func testReadsTheLocalAddressAndInterfaceOfAnIPv4Datagram() {
    // in_pktinfo: ifindex 3, spec_dst 192.168.0.1, addr 255.255.255.255 (a broadcast)
    let control = message(level: 0, type: 8, data: [3, 0, 0, 0, 192, 168, 0, 1, 255, 255, 255, 255])
    let info = PacketInfo(control: control[...])
    XCTAssertEqual(info.interfaceIndex, 3)
    XCTAssertEqual(info.localAddress(port: 16881), .ipv4(address: 0xC0A8_0001, port: 16881))
  }

  func testABroadcastHeaderDestinationIsNoLocalAddress() {
    let control = message(level: 0, type: 8, data: [3, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255])
    XCTAssertNil(PacketInfo(control: control[...]).localAddress(port: 1))
  }

  func testReadsTheLocalAddressAndInterfaceOfAnIPv6Datagram() {
    let local: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1]
    let control = message(level: 41, type: 50, data: local + [2, 0, 0, 0])
    let info = PacketInfo(control: control[...])
    XCTAssertEqual(info.interfaceIndex, 2)
    XCTAssertEqual(info.localAddress(port: 53), .ipv6(address: local, port: 53, scopeID: 2))
  }

  func testAMulticastIPv6DestinationIsNoLocalAddress() {
    let group: [UInt8] = [0xFF, 0x02] + Array(repeating: 0, count: 13) + [0xFB]
    XCTAssertNil(PacketInfo(control: message(level: 41, type: 50, data: group + [2, 0, 0, 0])[...]).localAddress(port: 5353))
  }

  func testSkipsOtherMessagesAndStopsAtATruncatedOne() {
    let other = message(level: 1, type: 29, data: Array(repeating: 0xAA, count: 12))  // SO_TIMESTAMP-like
    let pktinfo = message(level: 0, type: 8, data: [4, 0, 0, 0, 10, 0, 0, 1, 10, 0, 0, 1])
    XCTAssertEqual(PacketInfo(control: (other + pktinfo)[...]).interfaceIndex, 4)
    XCTAssertEqual(PacketInfo(control: (other + pktinfo.dropLast(8))[...]).interfaceIndex, 0)
    XCTAssertEqual(PacketInfo(control: [][...]).interfaceIndex, 0)
  }
}
