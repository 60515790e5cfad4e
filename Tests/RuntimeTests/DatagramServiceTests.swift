import Glibc
import Runtime
import XCTest

final class DatagramServiceTests: XCTestCase {
  /// A UDP socket bound to 127.0.0.1 on a kernel-chosen port, closed after the test.
  func boundSocket(to host: UInt32 = 0x7F00_0001) throws -> (fd: Int32, address: SocketAddress) {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    XCTAssertGreaterThanOrEqual(fd, 0)
    addTeardownBlock { close(fd) }
    let loopback = SocketAddress.ipv4(address: host, port: 0)
    XCTAssertEqual(loopback.withSockaddr { bind(fd, $0, $1) }, 0)
    let address = try XCTUnwrap(SocketAddress.local(of: fd))
    return (fd, address)
  }

  func send(_ bytes: [UInt8], from fd: Int32, to address: SocketAddress) {
    let sent = bytes.withUnsafeBytes { data in address.withSockaddr { sendto(fd, data.baseAddress, data.count, 0, $0, $1) } }
    XCTAssertEqual(sent, bytes.count)
  }

  func receive(on fd: Int32) -> [UInt8]? {
    var buffer = [UInt8](repeating: 0, count: 2048)
    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    return count < 0 ? nil : Array(buffer.prefix(count))
  }

  func testAnswersEveryQueuedDatagramThenLeavesWhenIdleIsZero() throws {
    let service = try boundSocket()
    let client = try boundSocket()
    for index in 0..<5 { send([UInt8(index)], from: client.fd, to: service.address) }
    var seen: [Datagram] = []
    let status = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .run { datagram in
        seen.append(datagram)
        return [DatagramReply(destination: datagram.source, bytes: datagram.bytes + [0xFF])]
      }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(seen.map(\.bytes), [[0], [1], [2], [3], [4]])
    XCTAssertEqual(seen.map(\.source), Array(repeating: client.address, count: 5))
    XCTAssertEqual(seen.map(\.localAddress), Array(repeating: service.address, count: 5))
    for index in 0..<5 { XCTAssertEqual(receive(on: client.fd), [UInt8(index), 0xFF]) }
  }

  /// IP_PKTINFO on send: the reply leaves through the given interface from the given address
  /// (any 127/8 address is lo's own), which is how in.dhcp broadcasts on the right link.
  func testARepliesSourceAddressAndInterfaceArePinnedWhenAsked() throws {
    let service = try boundSocket(to: 0)
    let client = try boundSocket()
    let serviceAddress = SocketAddress.ipv4(address: 0x7F00_0001, port: service.address.port)
    send([1], from: client.fd, to: serviceAddress)
    send([2], from: client.fd, to: serviceAddress)
    let loopbackIndex = Interfaces.index(ofName: "lo")
    XCTAssertGreaterThan(loopbackIndex, 0)
    XCTAssertEqual(Interfaces.name(ofIndex: loopbackIndex), "lo")
    let status = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .runBatches { datagrams in
        datagrams.map { datagram in
          DatagramReply(
            destination: datagram.source, bytes: datagram.bytes, interfaceIndex: loopbackIndex,
            sourceIPv4: datagram.bytes == [1] ? 0x7F00_0005 : 0)
        }
      }
    XCTAssertEqual(status, 0)
    for (payload, source) in [([UInt8(1)], UInt32(0x7F00_0005)), ([2], 0x7F00_0001)] {
      var buffer = [UInt8](repeating: 0, count: 64)
      var sender = sockaddr_in()
      var length = socklen_t(MemoryLayout<sockaddr_in>.size)
      let count = withUnsafeMutablePointer(to: &sender) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(client.fd, &buffer, 64, Int32(MSG_DONTWAIT), $0, &length) }
      }
      XCTAssertEqual(Array(buffer.prefix(max(count, 0))), payload)
      XCTAssertEqual(UInt32(bigEndian: sender.sin_addr.s_addr), source)
    }
  }

  /// A wildcard socket answers each datagram from the address it was sent to (any 127/8
  /// address is lo's own; the kernel alone would answer from 127.0.0.1), on an IPv4 socket and
  /// on a dual-stack IPv6 one (xinetd's), whose IPv4 clients arrive IPv4-mapped. A datagram
  /// queued before the service turned packet information on counts too.
  func testAReplyLeavesFromTheAddressItsDatagramWasSentTo() throws {
    for family in [AF_INET, AF_INET6] {
      let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
      XCTAssertGreaterThanOrEqual(fd, 0)
      defer { close(fd) }
      let wildcard: SocketAddress =
        family == AF_INET ? .ipv4(address: 0, port: 0) : .ipv6(address: Array(repeating: 0, count: 16), port: 0, scopeID: 0)
      var off: Int32 = 0
      if family == AF_INET6 {
        XCTAssertEqual(setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<Int32>.size)), 0)
      }
      XCTAssertEqual(wildcard.withSockaddr { bind(fd, $0, $1) }, 0)
      let port = try XCTUnwrap(SocketAddress.local(of: fd)).port
      let client = try boundSocket()
      for host: UInt32 in [0x7F00_0002, 0x7F00_0003] { send([UInt8(host & 0xFF)], from: client.fd, to: .ipv4(address: host, port: port)) }
      let status = DatagramService(socket: fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
        .run { [DatagramReply(destination: $0.source, bytes: $0.bytes)] }
      XCTAssertEqual(status, 0)
      for expected: UInt32 in [0x7F00_0002, 0x7F00_0003] {
        var buffer = [UInt8](repeating: 0, count: 64)
        var sender = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &sender) { pointer in
          pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(client.fd, &buffer, 64, Int32(MSG_DONTWAIT), $0, &length) }
        }
        XCTAssertEqual(Array(buffer.prefix(max(count, 0))), [UInt8(expected & 0xFF)], "family \(family)")
        XCTAssertEqual(UInt32(bigEndian: sender.sin_addr.s_addr), expected, "family \(family)")
      }
    }
  }

  /// Only a reply that names no source of its own takes the datagram's local address, and only
  /// in its own family.
  func testAReplyTakesTheLocalAddressAsItsSourceOnlyWhenItNamesNone() {
    let v6: [UInt8] = [0xFD, 0x99] + Array(repeating: 0, count: 13) + [2]
    let mappedClient = SocketAddress.ipv4(0x0A63_000A, port: 53, sameFamilyAs: .ipv6(address: v6, port: 0, scopeID: 0))
    let reply = DatagramReply(destination: mappedClient, bytes: [1])
    XCTAssertEqual(reply.from(.ipv4(address: 0x0A63_0002, port: 53)).sourceIPv4, 0x0A63_0002)
    XCTAssertEqual(reply.from(.ipv6(address: v6, port: 53, scopeID: 0)), reply)
    XCTAssertEqual(reply.from(nil), reply)
    let named = DatagramReply(destination: mappedClient, bytes: [1], sourceIPv4: 0x0A63_0001)
    XCTAssertEqual(named.from(.ipv4(address: 0x0A63_0002, port: 53)), named)
    let toV6 = DatagramReply(destination: .ipv6(address: v6, port: 9, scopeID: 0), bytes: [1])
    XCTAssertEqual(toV6.from(.ipv6(address: v6, port: 53, scopeID: 0)).sourceIPv6, v6)
    XCTAssertEqual(toV6.from(.ipv4(address: 0x0A63_0002, port: 53)), toV6)
  }

  func testABurstLargerThanOneBatchIsAnsweredInOrder() throws {
    let service = try boundSocket()
    let client = try boundSocket()
    let burst = (0..<(3 * DatagramService.batchSize + 5)).map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    for datagram in burst { send(datagram, from: client.fd, to: service.address) }
    var seen: [[UInt8]] = []
    let status = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .run { datagram in
        seen.append(datagram.bytes)
        return [DatagramReply(destination: datagram.source, bytes: datagram.bytes.reversed())]
      }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(seen, burst)
    for datagram in burst { XCTAssertEqual(receive(on: client.fd), datagram.reversed()) }
  }

  func testAReplyTheKernelRefusesDoesNotStopTheOthersInItsBatch() throws {
    let service = try boundSocket()
    let client = try boundSocket()
    send([7], from: client.fd, to: service.address)
    let status = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .run { datagram in
        // Port 0 is no destination: sendmmsg fails that message alone.
        [DatagramReply(destination: .ipv4(address: 0x7F00_0001, port: 0), bytes: [0]),
         DatagramReply(destination: datagram.source, bytes: [1]),
         DatagramReply(destination: .ipv4(address: 0x7F00_0001, port: 0), bytes: [2]),
         DatagramReply(destination: datagram.source, bytes: [3])]
      }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(receive(on: client.fd), [1])
    XCTAssertEqual(receive(on: client.fd), [3])
    XCTAssertNil(receive(on: client.fd))
  }

  func testTheBatchHookRunsBeforeEachBatchAndNeverWhileQuiet() throws {
    let service = try boundSocket()
    let client = try boundSocket()
    send([1], from: client.fd, to: service.address)
    send([2], from: client.fd, to: service.address)
    usleep(50_000)
    var events: [String] = []
    let status = DatagramService(socket: service.fd, idleSeconds: 1, log: Log(program: "test", destination: .standardError))
      .run(beforeEachBatch: { events.append("batch") }) { datagram in
        events.append("datagram \(datagram.bytes)")
        if datagram.bytes == [2] { send([3], from: client.fd, to: service.address) }
        return []
      }
    XCTAssertEqual(status, 0)
    XCTAssertEqual(events, ["batch", "datagram [1]", "datagram [2]", "batch", "datagram [3]"])
  }

  func testAWildcardSocketLearnsTheLocalAddressAndInterfaceOfEachDatagram() throws {
    let service = try boundSocket(to: 0)
    let target = SocketAddress.ipv4(address: 0x7F00_0001, port: service.address.port)
    let client = try boundSocket()
    // Queued before the service enables IP_PKTINFO: no interface, address from the route.
    send([1], from: client.fd, to: target)
    var seen: [Datagram] = []
    _ = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .run { datagram in
        seen.append(datagram)
        if seen.count == 1 { send([2], from: client.fd, to: target) }
        return []
      }
    XCTAssertEqual(seen.map(\.bytes), [[1], [2]])
    XCTAssertEqual(seen.map(\.localAddress), [target, target])
    XCTAssertEqual(seen.map(\.interfaceIndex), [0, Int32(if_nametoindex("lo"))])
  }

  func testWaitsForTheIdlePeriodBeforeLeaving() throws {
    let service = try boundSocket()
    let started = Deadline.now()
    let status = DatagramService(socket: service.fd, idleSeconds: 1, log: Log(program: "test", destination: .standardError))
      .run { _ in [] }
    let elapsed = Deadline.now().nanoseconds - started.nanoseconds
    XCTAssertEqual(status, 0)
    XCTAssertGreaterThanOrEqual(elapsed, 950_000_000)
    XCTAssertLessThan(elapsed, 3_000_000_000)
  }

  /// A process that cannot serve reads everything queued (inetd would otherwise start it again
  /// at once), answers only what `answer` says, and ends with the failure's status once idle.
  func testDrainReadsEveryQueuedDatagramAndEndsWithTheFailuresStatus() throws {
    let service = try boundSocket()
    let client = try boundSocket()
    for index in 0..<40 { send([UInt8(index)], from: client.fd, to: service.address) }
    var seen = 0
    let status = DatagramService(socket: service.fd, idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .drain(because: "the store is broken", exitCode: 74) { datagram in
        seen += 1
        return datagram.bytes == [7] ? [DatagramReply(destination: datagram.source, bytes: [0xEE])] : []
      }
    XCTAssertEqual(status, 74)
    XCTAssertEqual(seen, 40)
    XCTAssertEqual(receive(on: client.fd), [0xEE])
    XCTAssertNil(receive(on: client.fd))
    XCTAssertNil(receive(on: service.fd), "nothing is left queued")
  }

  func testRefusesAnFdThatIsNotADatagramSocket() throws {
    var pipeEnds: [Int32] = [0, 0]
    XCTAssertEqual(pipe(&pipeEnds), 0)
    defer { pipeEnds.forEach { close($0) } }
    let status = DatagramService(socket: pipeEnds[0], idleSeconds: 0, log: Log(program: "test", destination: .standardError))
      .run { _ in [] }
    XCTAssertEqual(status, 66)
  }
}
