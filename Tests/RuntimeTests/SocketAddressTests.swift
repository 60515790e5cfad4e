import Foundation
import Runtime
import XCTest

final class SocketAddressTests: XCTestCase {
  func testPrintsHostAndPortInTheUsualNotation() {
    XCTAssertEqual(SocketAddress.ipv4(address: 0xC0A8_0001, port: 16881).description, "192.168.0.1:16881")
    XCTAssertEqual(
      SocketAddress.ipv6(address: [0xFE, 0x80] + Array(repeating: 0, count: 13) + [1], port: 53, scopeID: 2).description,
      "[fe80::1]:53")
  }

  func testParsesOnlyStrictDottedQuads() {
    XCTAssertEqual(SocketAddress.parseIPv4("10.1.2.3"), 0x0A01_0203)
    for text in ["10.1.2", "10.1.2.256", "010.1.2.3", "0x0A.1.2.3", "10.1.2.3 ", "", "::1"] {
      XCTAssertNil(SocketAddress.parseIPv4(text), text)
    }
  }

  func testIPv4MappedAddressesYieldTheirIPv4Address() {
    let mapped = SocketAddress.ipv4(0x7F00_0001, port: 9, sameFamilyAs: .ipv6(address: Array(repeating: 0, count: 16), port: 1, scopeID: 0))
    XCTAssertEqual(mapped, .ipv6(address: Array(repeating: 0, count: 10) + [0xFF, 0xFF, 127, 0, 0, 1], port: 9, scopeID: 0))
    XCTAssertEqual(mapped.ipv4Address, 0x7F00_0001)
    XCTAssertEqual(SocketAddress.ipv4(0x7F00_0001, port: 9, sameFamilyAs: .ipv4(address: 0, port: 1)), .ipv4(address: 0x7F00_0001, port: 9))
    XCTAssertNil(SocketAddress.ipv6(address: Array(repeating: 0, count: 15) + [1], port: 1, scopeID: 0).ipv4Address)
  }

  /// A dual-stack socket's IPv4 peer is logged, matched and shown as the IPv4 address it is.
  func testAnIPv4MappedAddressPrintsAsItsIPv4Address() {
    let mapped = SocketAddress.ipv6(address: Array(repeating: 0, count: 10) + [0xFF, 0xFF, 192, 168, 0, 7], port: 25, scopeID: 0)
    XCTAssertEqual(mapped.host, "192.168.0.7")
    XCTAssertEqual(mapped.description, "192.168.0.7:25")
    XCTAssertEqual(SocketAddress.ipv6(address: Array(repeating: 0, count: 15) + [1], port: 25, scopeID: 0).description, "[::1]:25")
  }

  /// Our IPv6 text is glibc's inet_ntop's, for the addresses that have special forms and for
  /// random ones with runs of zero groups of every length in every place.
  func testIPv6TextIsInetNtops() {
    var samples: [[UInt8]] = [
      Array(repeating: 0, count: 16), Array(repeating: 0, count: 15) + [1],
      Array(repeating: 0, count: 10) + [0xFF, 0xFF, 192, 0, 2, 1], Array(repeating: 0, count: 12) + [192, 0, 2, 1],
      [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [7], [0xFE, 0x80] + Array(repeating: 0, count: 14),
      [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], Array(repeating: 0xFF, count: 16),
      [0, 1] + Array(repeating: 0, count: 14), [0x0A, 0xBC] + Array(repeating: 0, count: 12) + [0, 0x0D],
    ]
    var random = SystemRandomNumberGenerator()
    for _ in 0..<3000 {
      // Each group zero with probability one half, so that runs of every length turn up.
      samples.append((0..<8).flatMap { _ -> [UInt8] in
        Bool.random(using: &random) ? [0, 0] : [UInt8.random(in: 0...255, using: &random), UInt8.random(in: 0...255, using: &random)]
      })
    }
    for bytes in samples {
      var address = in6_addr()
      withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
      var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
      XCTAssertNotNil(inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)))
      XCTAssertEqual(SocketAddress.ipv6Text(bytes), String(cString: text), "\(bytes)")
    }
  }

  func testRoundTripsThroughSockaddr() {
    for address in [
      SocketAddress.ipv4(address: 0x7F00_0001, port: 16881),
      SocketAddress.ipv6(address: [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [7], port: 80, scopeID: 0),
    ] {
      XCTAssertEqual(address.withSockaddr { SocketAddress(UnsafeRawPointer($0), length: $1) }, address)
    }
  }
}
