import Glibc
import Runtime
import TestSupport
import XCTest

/// Serving itself forks, which an XCTest process must not do; the integration tests run it under
/// inetd `wait` (ProxyListenerTests). Here: how a daemon tells `wait` from `nowait`.
final class ListenerServiceTests: XCTestCase {
  func testOnlyAListeningSocketCountsAsListening() throws {
    let (listener, _) = try LoopbackSocket.bind(SOCK_STREAM)
    defer { close(listener) }
    XCTAssertFalse(ListenerService.isListening(listener), "bound but not yet listening")
    XCTAssertEqual(listen(listener, 4), 0)
    XCTAssertTrue(ListenerService.isListening(listener))

    var ends: [Int32] = [0, 0]
    XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends), 0)
    defer { ends.forEach { close($0) } }
    XCTAssertFalse(ListenerService.isListening(ends[0]), "a connected socket (inetd nowait)")
    let (datagram, _) = try LoopbackSocket.bind(SOCK_DGRAM)
    defer { close(datagram) }
    XCTAssertFalse(ListenerService.isListening(datagram))
  }
}
