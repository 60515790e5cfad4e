import Foundation
import TestSupport
import XCTest

/// A MediaMVP stand-in on 127.0.0.1: sends locator requests that ask for the reply at its own
/// address and port, as a real MVP does.
final class LocatorClient {
  let fd: Int32
  let port: UInt16

  init() throws {
    (fd, port) = try LoopbackSocket.bind(SOCK_DGRAM)
  }

  deinit { close(fd) }

  /// A 52-byte request from MAC 00:0D:FE:01:02:03 at 127.0.0.1:`port`.
  func request(sequence: UInt32) -> [UInt8] {
    var packet = [UInt8](repeating: 0, count: 52)
    packet[0...3] = bigEndian(sequence)[...]
    packet[4...7] = [0xBA, 0xBE, 0xFA, 0xFE]
    packet[8...13] = [0x00, 0x0D, 0xFE, 0x01, 0x02, 0x03]
    packet[16...19] = [127, 0, 0, 1]
    packet[20...21] = [UInt8(port >> 8), UInt8(port & 0xFF)]
    return packet
  }

  /// What in.mvp answers from 127.0.0.1 (loopback: MAC all zeros) with the default ports.
  static func expectedReply(sequence: UInt32) -> [UInt8] {
    bigEndian(sequence) + [
      0xFA, 0xFE, 0xBA, 0xBE,
      0, 0, 0, 0, 0, 0, 0, 0,
      127, 0, 0, 1, 0x08, 0x00, 0, 0,
      127, 0, 0, 1, 0x17, 0x12, 0, 0,
      127, 0, 0, 1, 0x18, 0xC1, 0, 0,
      0, 0, 0, 0,
      127, 0, 0, 1, 0x41, 0xF6, 0, 0,
    ]
  }

  func send(_ bytes: [UInt8], toPort service: UInt16) {
    XCTAssertEqual(LoopbackSocket.send(bytes, from: fd, toPort: service), bytes.count)
  }

  /// The next datagram, or nil when none arrives within `milliseconds`.
  func receive(within milliseconds: Int32) -> [UInt8]? {
    LoopbackSocket.receive(on: fd, within: milliseconds)
  }

  private static func bigEndian(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(value >> (24 - 8 * $0) & 0xFF) }
  }

  private func bigEndian(_ value: UInt32) -> [UInt8] { LocatorClient.bigEndian(value) }
}
