import Foundation
import TestSupport
import XCTest

@testable import Runtime

/// The caps' counting, on real loopback connections in this process: what a daemon process
/// does once per connection, here several times over (each take adds to this process's undo).
final class ConnectionSlotTests: XCTestCase {
  let log = Log(program: "test", destination: .standardError)

  /// Accepted ends of `count` connections to a fresh loopback listener, and its port.
  func accepted(_ count: Int) throws -> (fds: [Int32], port: UInt16) {
    let listener = try LoopbackSocket.bind(SOCK_STREAM)
    XCTAssertEqual(listen(listener.fd, 16), 0)
    var fds: [Int32] = []
    for _ in 0..<count {
      let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = listener.port.bigEndian
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      XCTAssertEqual(connected, 0)
      fds += [client, accept(listener.fd, nil, nil)]
    }
    close(listener.fd)
    addTeardownBlock { fds.forEach { close($0) } }
    return (stride(from: 1, to: fds.count, by: 2).map { fds[$0] }, listener.port)
  }

  /// The test's set, as a daemon's would stay, is removed (ipcrm -S KEY).
  func removeSet(port: UInt16, caps: ConnectionCaps) {
    let key = UInt32(bitPattern: ConnectionSlot.key(program: "slot-test", port: port, caps: caps))
    _ = try? ChildProcess.run("/usr/bin/ipcrm", ["-S", "0x" + String(key, radix: 16)])
  }

  func testThePerSourceCapRefusesTheNextConnectionUntilOneIsGivenBack() throws {
    let (fds, port) = try accepted(4)
    let caps = ConnectionCaps(total: 10, perSource: 3)
    addTeardownBlock { self.removeSet(port: port, caps: caps) }
    var slots: [ConnectionSlot] = []
    for fd in fds.prefix(3) {
      guard case .admitted(let slot?) = ConnectionSlot.take(for: fd, program: "slot-test", caps: caps, log: log) else {
        return XCTFail("refused below the cap")
      }
      slots.append(slot)
    }
    guard case .refused(let peer) = ConnectionSlot.take(for: fds[3], program: "slot-test", caps: caps, log: log) else {
      return XCTFail("admitted past the cap")
    }
    XCTAssertEqual(peer.host, "127.0.0.1")
    slots[0].give()
    guard case .admitted(let slot?) = ConnectionSlot.take(for: fds[3], program: "slot-test", caps: caps, log: log) else {
      return XCTFail("refused after a slot was given back")
    }
    (slots.dropFirst() + [slot]).forEach { $0.give() }
  }

  func testTheTotalCapRefusesWhateverTheSource() throws {
    let (fds, port) = try accepted(3)
    let caps = ConnectionCaps(total: 2, perSource: 2)
    addTeardownBlock { self.removeSet(port: port, caps: caps) }
    var outcomes: [Bool] = []
    var slots: [ConnectionSlot] = []
    for fd in fds {
      switch ConnectionSlot.take(for: fd, program: "slot-test", caps: caps, log: log) {
      case .admitted(let slot): outcomes.append(true); slot.map { slots.append($0) }
      case .refused: outcomes.append(false)
      }
    }
    XCTAssertEqual(outcomes, [true, true, false])
    slots.forEach { $0.give() }
  }

  /// Another local user who makes the daemon's set first, open to all and every count 0, would
  /// have every client refused: the daemon takes only a set of its own user's, mode 0600, and
  /// otherwise serves without caps (and says so).
  func testASetAnotherUserMadeFirstIsNotTaken() throws {
    guard geteuid() == 0 else { throw XCTSkip("needs root to make a set as another user") }
    let (fds, port) = try accepted(1)
    let caps = ConnectionCaps(total: 4, perSource: 2)
    addTeardownBlock { self.removeSet(port: port, caps: caps) }
    let key = ConnectionSlot.key(program: "slot-test", port: port, caps: caps)
    let squat = try ChildProcess.run(
      "/usr/bin/setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", """
      import ctypes
      libc = ctypes.CDLL(None, use_errno=True)
      class Op(ctypes.Structure):
          _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flags", ctypes.c_short)]
      made = libc.semget(\(key), \(1 + ConnectionSlot.buckets), 0o1000 | 0o666)
      assert made >= 0, ctypes.get_errno()
      touch = (Op * 2)(Op(0, 1, 0), Op(0, -1, 0))
      assert libc.semop(made, touch, 2) == 0, ctypes.get_errno()
      print("made", made)
      """])
    XCTAssertTrue(squat.output.hasPrefix("made"), squat.output)
    guard case .admitted(nil) = ConnectionSlot.take(for: fds[0], program: "slot-test", caps: caps, log: log) else {
      return XCTFail("the squatted set decided")
    }
  }

  func testAPipeHasNoPeerAndIsServedWithoutASlot() {
    var ends: [Int32] = [0, 0]
    XCTAssertEqual(pipe(&ends), 0)
    defer { ends.forEach { close($0) } }
    guard case .admitted(nil) = ConnectionSlot.take(for: ends[0], program: "slot-test", caps: ConnectionCaps(total: 1, perSource: 1), log: log)
    else { return XCTFail("a pipe should be served without a slot") }
  }

  func testAnIPv4MappedPeerCountsAsItsIPv4AddressAndAnIPv6HostByItsSlash64() {
    let v4 = SocketAddress.ipv4(address: 0xC0A8_0102, port: 1000)
    let mapped = SocketAddress.ipv6(address: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 168, 1, 2], port: 2000, scopeID: 0)
    XCTAssertEqual(ConnectionSlot.source(of: v4), ConnectionSlot.source(of: mapped))
    let prefix: [UInt8] = [0xFD, 0, 0, 0, 0, 0, 0, 1]
    let one = SocketAddress.ipv6(address: prefix + [0, 0, 0, 0, 0, 0, 0, 1], port: 1, scopeID: 0)
    let other = SocketAddress.ipv6(address: prefix + [9, 9, 9, 9, 9, 9, 9, 9], port: 2, scopeID: 0)
    XCTAssertEqual(ConnectionSlot.source(of: one), ConnectionSlot.source(of: other))
    XCTAssertNotEqual(ConnectionSlot.source(of: v4), ConnectionSlot.source(of: one))
  }

  func testCapsAreCheckedOptionsAndThePerSourceCapIsAtMostTheTotal() throws {
    let given = try Arguments(["in.test", "--max-clients", "4", "--max-per-source", "9"], flags: [], options: ConnectionCaps.optionNames)
    XCTAssertEqual(try ConnectionCaps(given, total: 128, perSource: 32), ConnectionCaps(total: 4, perSource: 4))
    let none = try Arguments(["in.test"], flags: [], options: ConnectionCaps.optionNames)
    XCTAssertEqual(try ConnectionCaps(none, total: 128, perSource: 32), ConnectionCaps(total: 128, perSource: 32))
    let bad = try Arguments(["in.test", "--max-per-source", "0"], flags: [], options: ConnectionCaps.optionNames)
    XCTAssertThrowsError(try ConnectionCaps(bad, total: 128, perSource: 32))
  }
}
