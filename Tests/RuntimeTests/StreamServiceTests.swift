import Glibc
import Runtime
import XCTest

final class StreamServiceTests: XCTestCase {
  let log = Log(program: "test", destination: .standardError)

  func connectedPair() -> (service: Int32, peer: Int32) {
    var ends: [Int32] = [0, 0]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends), 0)
    addTeardownBlock { ends.forEach { close($0) } }
    return (ends[0], ends[1])
  }

  func readAll(_ fd: Int32) -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1024)
    while case let count = read(fd, &buffer, buffer.count), count > 0 { received += buffer.prefix(count) }
    return received
  }

  func testAnswersEveryChunkUntilThePeerCloses() {
    let (service, peer) = connectedPair()
    XCTAssertEqual(write(peer, "ab", 2), 2)
    var chunks: [[UInt8]] = []
    let status = StreamService(fd: service, idleSeconds: 5, log: log).run { bytes in
      chunks.append(Array(bytes))
      if chunks.count == 1 {
        XCTAssertEqual(write(peer, "cd", 2), 2)
      } else {
        shutdown(peer, Int32(SHUT_WR))
      }
      return .reply(bytes.map { $0 - 0x20 })
    }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(chunks, [Array("ab".utf8), Array("cd".utf8)])
    shutdown(service, Int32(SHUT_WR))
    XCTAssertEqual(readAll(peer), Array("ABCD".utf8))
  }

  func testReplyAndCloseEndsTheConversationAfterWriting() {
    let (service, peer) = connectedPair()
    XCTAssertEqual(write(peer, "xx", 2), 2)
    var calls = 0
    let status = StreamService(fd: service, idleSeconds: 5, log: log).run { _ in
      calls += 1
      return .replyAndClose(Array("bye".utf8))
    }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(calls, 1)
    shutdown(service, Int32(SHUT_WR))
    XCTAssertEqual(readAll(peer), Array("bye".utf8))
  }

  func testLeavesAfterTheIdlePeriod() {
    let (service, _) = connectedPair()
    let started = Deadline.now()
    let status = StreamService(fd: service, idleSeconds: 1, log: log).run { _ in .reply([]) }
    let elapsed = Deadline.now().nanoseconds - started.nanoseconds
    XCTAssertEqual(status, 0)
    XCTAssertGreaterThanOrEqual(elapsed, 950_000_000)
    XCTAssertLessThan(elapsed, 3_000_000_000)
  }

  func testRefusesADatagramSocket() {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    XCTAssertEqual(StreamService(fd: fd, idleSeconds: 0, log: log).run { _ in .reply([]) }, 66)
  }

  func testSocketTypeTellsDatagramFromStream() {
    let (service, _) = connectedPair()
    let datagram = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(datagram) }
    XCTAssertEqual(SocketType(of: service), .stream)
    XCTAssertEqual(SocketType(of: datagram), .datagram)
    XCTAssertNil(SocketType(of: -1))
  }
}
