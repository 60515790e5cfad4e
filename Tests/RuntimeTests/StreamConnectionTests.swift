import Glibc
import Runtime
import XCTest

final class StreamConnectionTests: XCTestCase {
  func connectedPair() -> (StreamConnection, Int32) {
    var ends: [Int32] = [0, 0]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends), 0)
    addTeardownBlock { ends.forEach { close($0) } }
    return (StreamConnection(fd: ends[0]), ends[1])
  }

  func testReadTimesOutWhenThePeerIsSilent() {
    let (connection, _) = connectedPair()
    let started = Deadline.now()
    XCTAssertEqual(connection.read(maximum: 100, deadline: .after(milliseconds: 200)), .timedOut)
    XCTAssertGreaterThanOrEqual(Deadline.now().nanoseconds - started.nanoseconds, 190_000_000)
  }

  func testReadReturnsWhatArrivedAndThenTheEnd() {
    let (connection, peer) = connectedPair()
    XCTAssertEqual(write(peer, "hello", 5), 5)
    XCTAssertEqual(connection.read(maximum: 100, deadline: .after(seconds: 1)), .data(Array("hello".utf8)))
    shutdown(peer, Int32(SHUT_WR))
    XCTAssertEqual(connection.read(maximum: 100, deadline: .after(seconds: 1)), .end)
  }

  func testWriteTimesOutWhenThePeerStopsReading() {
    let (connection, _) = connectedPair()
    let block = [UInt8](repeating: 0x41, count: 8 * 1024 * 1024)
    XCTAssertEqual(connection.write(block, deadline: .after(milliseconds: 200)), .timedOut)
  }

  func testWriteDeliversEverything() {
    let (connection, peer) = connectedPair()
    XCTAssertEqual(connection.write(Array("0123456789".utf8), deadline: .after(seconds: 1)), .written)
    var buffer = [UInt8](repeating: 0, count: 32)
    XCTAssertEqual(read(peer, &buffer, 32), 10)
  }

  func testPeerOfAnUnconnectedSocketIsNil() {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    XCTAssertNil(StreamConnection(fd: fd).peer)
  }
}
