import Glibc
@testable import Runtime
import TestSupport
import XCTest

/// Meshes in separate processes: the test process and children forked from it, each with its
/// own PeerMesh (a mesh is one per process: its name is the pid). A child reports one line on
/// a pipe and is killed by the test.
final class PeerMeshTests: XCTestCase {
  private var prefix = ""

  override func setUp() {
    prefix = "slug-test:\(String(UInt32.random(in: 0...UInt32.max), radix: 16)):"
  }

  // MARK: - Joining

  func testProcessesJoiningTogetherShareOneConnectionPerPair() throws {
    let others = 11
    let start = try ReportPipe()
    let children = try (0..<others).map { _ in
      try spawn(keeping: [start.read]) { report in
        start.waitForClose()
        guard let mesh = try? member(self.prefix) else { _exit(1) }
        mesh.connectToAll()
        let hellos = helloExchange(mesh, expecting: others)
        report.send("\(mesh.peers.count) \(hellos.map { String($0) }.joined(separator: ","))")
        pump(mesh, milliseconds: 10_000) { _ in false }
      }
    }
    start.closeWrite()
    let mesh = try member(prefix)
    mesh.connectToAll()
    let hellos = helloExchange(mesh, expecting: others)

    let everyone = (children.map { $0.pid } + [getpid()]).sorted()
    XCTAssertEqual(mesh.peers.count, others)
    XCTAssertEqual(hellos, everyone.filter { $0 != getpid() })
    for child in children {
      let line = try XCTUnwrap(child.report.readLine(milliseconds: 5000), "child \(child.pid) reported nothing")
      XCTAssertEqual(line, "\(others) " + everyone.filter { $0 != child.pid }.map { String($0) }.joined(separator: ","))
    }
    // Listeners only, once each: the connections they accepted carry the same names.
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix).sorted(), everyone.map { prefix + String($0) }.sorted())
    // liveNames asks the kernel's socket diagnostics; /proc/net/unix, read where they are
    // missing, lists the same.
    XCTAssertEqual(PeerMesh.namesFromDiagnostics(prefix: prefix)?.sorted(), everyone.map { prefix + String($0) }.sorted())
    XCTAssertEqual(PeerMesh.namesFromProc(prefix: prefix).sorted(), everyone.map { prefix + String($0) }.sorted())
  }

  func testConnectingAgainAddsNoSecondConnection() throws {
    let mesh = try member(prefix)
    let child = try spawn { report in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      _ = helloExchange(mesh, expecting: 1)
      mesh.connectToAll()
      report.send("\(events(of: mesh, milliseconds: 300).count) \(mesh.peers.count)")
      pump(mesh, milliseconds: 10_000) { _ in false }
    }
    XCTAssertEqual(helloExchange(mesh, expecting: 1), [child.pid])
    mesh.connectToAll()
    XCTAssertEqual(events(of: mesh, milliseconds: 300), [])
    XCTAssertEqual(mesh.peers.count, 1)
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "0 1")
  }

  func testALaterProcessIsAcceptedByTheEarlierOne() throws {
    let mesh = try member(prefix)
    mesh.connectToAll()
    XCTAssertEqual(mesh.peers, [])
    let child = try spawn { report in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      report.send("\(helloExchange(mesh, expecting: 1).map { String($0) }.joined())")
      pump(mesh, milliseconds: 10_000) { _ in false }
    }
    XCTAssertEqual(helloExchange(mesh, expecting: 1), [child.pid])
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), String(getpid()))
  }

  func testAMeshOfAnotherPrefixIsNeverMet() throws {
    let ours = try member(prefix)
    let theirs = try member(prefix + "other:")
    ours.connectToAll()
    theirs.connectToAll()
    XCTAssertEqual(ours.peers, [])
    XCTAssertEqual(theirs.peers, [])
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix), [ours.name])
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix + "other:"), [theirs.name])
    XCTAssertEqual(ours.name, prefix + String(getpid()))
  }

  func testASecondMeshOnTheSameNameIsRefused() throws {
    let first = try member(prefix)
    XCTAssertThrowsError(try member(prefix)) { error in
      XCTAssertEqual((error as? MeshError)?.code, EADDRINUSE)
    }
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix), [first.name])
  }

  /// Two members running as two users (neither root) drop each other. A member running as
  /// root (slugctl's, a test's) takes any user, and leaves it to the key.
  func testAPeerOfAnotherUserIsDropped() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root to run children as other users")
    let listening = try spawn { report in
      guard setgid(65533) == 0, setuid(65533) == 0, let mesh = try? member(self.prefix) else { _exit(1) }
      report.send("listening")
      report.send(events(of: mesh, milliseconds: 1500).map(kind).joined(separator: ","))
    }
    XCTAssertEqual(listening.report.readLine(milliseconds: 5000), "listening")
    let child = try spawn { report in
      guard setgid(65534) == 0, setuid(65534) == 0, let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      report.send(events(of: mesh, milliseconds: 1000) { $0.count == 2 }.map(kind).joined(separator: ","))
    }
    XCTAssertEqual(listening.report.readLine(milliseconds: 5000), "", "the other user's member was never taken")
    // Dropped before our hello could go, or after: either way nothing but the hang-up.
    let line = child.report.readLine(milliseconds: 5000)
    XCTAssertTrue(line == "joined,left" || line == "", "\(line ?? "nothing")")
  }

  func testARootMemberTakesAPeerOfAnotherUserThatProvesTheKey() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root to run a child as another user")
    let mesh = try member(prefix)
    let child = try spawn { report in
      guard setgid(65534) == 0, setuid(65534) == 0, let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      report.send(events(of: mesh, milliseconds: 2000) { $0.count == 1 }.map(kind).joined(separator: ","))
      _ = events(of: mesh, milliseconds: 1000)
    }
    XCTAssertEqual(child.report.readLine(milliseconds: 5000), "joined")
    _ = events(of: mesh, milliseconds: 500)
    XCTAssertEqual(mesh.peers.count, 1, "root's member keeps the peer that proved the key")
  }

  // MARK: - The key

  func testMembersWithTheSameKeyTalkAndAMemberWithAnotherKeyIsRefusedBeforeAnythingPasses() throws {
    let mesh = try member(prefix)
    let stranger = try spawn { report in
      guard let mesh = try? member(self.prefix, key: otherKey) else { _exit(1) }
      mesh.connectToAll()
      var seen: [String] = []
      pump(mesh, milliseconds: 3000) { event in
        if case .joined(let peer) = event { mesh.send(Array("forged".utf8), to: peer) }
        seen.append(kind(event))
        return kind(event) == "left"
      }
      report.send(seen.joined(separator: ","))
    }
    var seen: [String] = []
    pump(mesh, milliseconds: 3000) { event in
      if case .joined(let peer) = event { mesh.send(Array("for members only".utf8), to: peer) }
      seen.append(kind(event))
      return kind(event) == "left"
    }
    XCTAssertEqual(seen, ["joined", "left"], "no message either way")
    XCTAssertEqual(stranger.report.readLine(milliseconds: 5000), "joined,left")
    XCTAssertEqual(mesh.peers, [])

    let friend = try spawn { report in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      report.send(helloExchange(mesh, expecting: 1).map { String($0) }.joined())
      pump(mesh, milliseconds: 10_000) { _ in false }
    }
    XCTAssertEqual(helloExchange(mesh, expecting: 1), [friend.pid])
    XCTAssertEqual(friend.report.readLine(milliseconds: 5000), String(getpid()))
  }

  func testAPeerSpeakingWithoutTheHandshakeHearsOnlyOurHelloAndIsRefused() throws {
    let mesh = try member(prefix)
    let forger = try rawConnection(to: mesh.name)
    defer { close(forger) }
    _ = Array("hello forged 100".utf8).withUnsafeBytes { send(forger, $0.baseAddress, $0.count, 0) }
    var seen: [String] = []
    pump(mesh, milliseconds: 3000) { event in
      if case .joined(let peer) = event { mesh.send(Array("for members only".utf8), to: peer) }
      seen.append(kind(event))
      return kind(event) == "left"
    }
    XCTAssertEqual(seen, ["joined", "left"])
    let heard = receiveAll(forger)
    XCTAssertEqual(heard.count, 1, "\(heard)")
    XCTAssertEqual(heard.first.map { Array($0.prefix(12)) }, Array("slug-mesh/1 ".utf8))
    XCTAssertEqual(heard.first?.count, 44, "the tag and a 32-byte nonce")
  }

  func testASilentPeerIsDroppedAtTheDeadlineWithoutHoldingUpAnother() throws {
    let mesh = try member(prefix, handshakeMilliseconds: 1000)
    let silent = try rawConnection(to: mesh.name)
    defer { close(silent) }
    let started = Deadline.now()
    let friend = try spawn { _ in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      _ = helloExchange(mesh, expecting: 1)
      pump(mesh, milliseconds: 10_000) { _ in false }
    }
    XCTAssertEqual(helloExchange(mesh, expecting: 1), [friend.pid])
    XCTAssertLessThan(Deadline.now().nanoseconds - started.nanoseconds, 900_000_000, "the friend waited for no one")
    XCTAssertEqual(mesh.peers.count, 2)
    let deadline = try XCTUnwrap(mesh.handshakeDeadline, "the silent peer's handshake is pending")
    var left: [PeerMesh.Peer] = []
    pump(mesh, milliseconds: 3000) { event in
      if case .left(let peer) = event { left.append(peer) }
      return !left.isEmpty
    }
    XCTAssertEqual(left.count, 1)
    XCTAssertGreaterThanOrEqual(Deadline.now(), deadline)
    XCTAssertEqual(mesh.peers.count, 1, "the friend stays")
    XCTAssertNil(mesh.handshakeDeadline)
  }

  func testRootsNotifyAllReachesAMemberRunningAsAnotherUser() throws {
    try XCTSkipUnless(geteuid() == 0, "needs root to run a child as another user")
    let listener = try spawn { report in
      guard setgid(65534) == 0, setuid(65534) == 0, let mesh = try? member(self.prefix) else { _exit(1) }
      report.send("ready")
      var heard: [String] = []
      pump(mesh, milliseconds: 5000) { event in
        if case .message(_, let bytes) = event { heard.append(String(decoding: bytes, as: UTF8.self)) }
        return !heard.isEmpty
      }
      report.send(heard.joined(separator: ","))
    }
    XCTAssertEqual(listener.report.readLine(milliseconds: 5000), "ready")
    XCTAssertEqual(PeerMesh.notifyAll(prefix: prefix, message: Array("rebalance".utf8), key: testKey), 1)
    XCTAssertEqual(listener.report.readLine(milliseconds: 5000), "rebalance")
  }

  func testNotifyAllWithAnotherKeyTellsNoOne() throws {
    let mesh = try member(prefix)
    let notifier = try spawn { report in
      let told = PeerMesh.notifyAll(prefix: self.prefix, message: Array("users-changed".utf8), key: MeshListener.key(otherKey))
      report.send("\(told)")
    }
    XCTAssertEqual(events(of: mesh, milliseconds: 3000) { $0.count == 2 }.map(kind), ["joined", "left"])
    XCTAssertEqual(notifier.report.readLine(milliseconds: 5000), "0")
  }

  // MARK: - Messages

  func testMessagesFromConcurrentSendersArriveWholeAndInOrder() throws {
    let count = 100
    let mesh = try member(prefix)
    let children = try (1...3).map { (child: Int) in
      try spawn { _ in
        let sender = UInt8(child)
        guard let mesh = try? member(self.prefix) else { _exit(1) }
        mesh.connectToAll()
        pump(mesh, milliseconds: 10_000) { event in
          guard case .message(let peer, let message) = event, message == Array("parent".utf8) else { return false }
          for index in 0..<count { mesh.send(patterned(sender: sender, index: index), to: peer) }
          return false
        }
      }
    }
    var next: [PeerMesh.Peer: Int] = [:]
    var sizes = 0
    pump(mesh, milliseconds: 20_000) { event in
      switch event {
      case .joined(let peer):
        mesh.send(Array("parent".utf8), to: peer)
        next[peer] = 0
      case .message(let peer, let message):
        let index = next[peer, default: 0]
        XCTAssertGreaterThanOrEqual(message.count, 5)
        XCTAssertEqual(message, patterned(sender: message[0], index: index), "message \(index) from \(peer)")
        next[peer] = index + 1
        sizes += message.count
      case .left(let peer):
        XCTFail("\(peer) left")
      }
      return next.count == children.count && next.values.allSatisfy { $0 == count }
    }
    XCTAssertEqual(next.values.sorted(), [count, count, count])
    XCTAssertGreaterThan(sizes, 3 * 4 * PeerMesh.maximumMessageBytes)
  }

  func testOutputAPeerCannotTakeYetIsQueuedAndFlushed() throws {
    let mesh = try member(prefix)
    let child = try spawn { report in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      usleep(500_000)
      var received = 0
      var intact = true
      pump(mesh, milliseconds: 10_000) { event in
        guard case .message(_, let message) = event else { return false }
        intact = intact && message == patterned(sender: 9, index: received, size: 100_000)
        received += 1
        return received == 40
      }
      report.send("\(received) \(intact)")
    }
    var peer: PeerMesh.Peer?
    pump(mesh, milliseconds: 5000) { event in
      if case .joined(let joined) = event { peer = joined }
      return peer != nil
    }
    let joined = try XCTUnwrap(peer)
    // Queued: the peer has not even proven itself yet (it sleeps), and cannot take 4 MB at once.
    for index in 0..<40 { mesh.send(patterned(sender: 9, index: index, size: 100_000), to: joined) }
    var line: String?
    pump(mesh, milliseconds: 10_000) { _ in false } until: {
      line = child.report.readLine(milliseconds: 0)
      return line != nil
    }
    XCTAssertEqual(line, "40 true")
    XCTAssertFalse(mesh.pollDescriptors.contains { $0.events & Int16(POLLOUT) != 0 })
  }

  func testAPeerThatNeverReadsIsHungUpOnceTooMuchIsQueued() throws {
    let mesh = try member(prefix)
    _ = try spawn { _ in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      usleep(30_000_000)
    }
    var peer: PeerMesh.Peer?
    pump(mesh, milliseconds: 5000) { event in
      if case .joined(let joined) = event { peer = joined }
      return peer != nil
    }
    let joined = try XCTUnwrap(peer)
    for index in 0..<100 { mesh.send(patterned(sender: 1, index: index, size: 200_000), to: joined) }
    var left = false
    pump(mesh, milliseconds: 5000) { event in
      left = event == .left(joined)
      return left
    }
    XCTAssertTrue(left)
    XCTAssertEqual(mesh.peers, [])
  }

  // MARK: - Leaving

  func testAKilledProcessIsReportedLeftAtOnce() throws {
    let mesh = try member(prefix)
    let child = try spawn { _ in
      guard let mesh = try? member(self.prefix) else { _exit(1) }
      mesh.connectToAll()
      pump(mesh, milliseconds: 10_000) { _ in false }
    }
    var peer: PeerMesh.Peer?
    pump(mesh, milliseconds: 5000) { event in
      if case .joined(let joined) = event { peer = joined }
      return peer != nil
    }
    let joined = try XCTUnwrap(peer)
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix).count, 2)

    let killed = Deadline.now()
    kill(child.pid, SIGKILL)
    XCTAssertEqual(events(of: mesh, milliseconds: 5000) { $0.last == .left(joined) }, [.left(joined)])
    XCTAssertLessThan(Deadline.now().nanoseconds - killed.nanoseconds, 200_000_000)
    // The kernel may release the dead process's connection just before its listener.
    let released = Deadline.after(milliseconds: 1000)
    while PeerMesh.liveNames(prefix: prefix).count > 1 && Deadline.now() < released { usleep(1000) }
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix), [mesh.name])
  }

  // MARK: - Notifications

  func testNotifyAllReachesEveryMemberOnceAndHangsUp() throws {
    let mesh = try member(prefix)
    let stranger = try member(prefix + "other:")
    _ = try spawn { _ in PeerMesh.notifyAll(prefix: self.prefix, message: Array("users-changed".utf8), key: testKey) }
    let notified = events(of: mesh, milliseconds: 2000) { $0.count == 3 }
    guard case .joined(let peer) = notified.first else { return XCTFail("\(notified)") }
    XCTAssertEqual(notified, [.joined(peer), .message(peer, Array("users-changed".utf8)), .left(peer)])
    XCTAssertEqual(mesh.peers, [])
    XCTAssertEqual(events(of: stranger, milliseconds: 100), [])
  }

  func testNotifyAllWithNoOneListeningDoesNothing() {
    XCTAssertEqual(PeerMesh.notifyAll(prefix: prefix, message: Array("users-changed".utf8), key: testKey), 0)
    XCTAssertEqual(PeerMesh.liveNames(prefix: prefix), [])
  }

  // MARK: - Prefix

  func testPrefixHashesTheRealPathOfTheStore() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/slug.db"
    XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
    let direct = PeerMesh.prefix(forStorePath: path)
    XCTAssertEqual(PeerMesh.prefix(forStorePath: directory.path + "/./../" + lastComponent(directory.path) + "/slug.db"), direct)
    XCTAssertNotEqual(PeerMesh.prefix(forStorePath: directory.path + "/other.db"), direct)
    XCTAssertTrue(direct.hasPrefix("slug-jabberd:"))
    XCTAssertEqual(direct.utf8.count, "slug-jabberd:".utf8.count + 8)
  }

  func testPrefixOfAPathThatDoesNotExistIsTheFNV1aHashOfItsText() {
    // The FNV-1a 32-bit test vectors: "" and "foobar".
    XCTAssertEqual(PeerMesh.prefix(forStorePath: ""), "slug-jabberd:811c9dc5")
    XCTAssertEqual(PeerMesh.prefix(forStorePath: "foobar"), "slug-jabberd:bf9cf968")
    // Each service has a mesh of its own on the same store.
    XCTAssertEqual(PeerMesh.prefix(forStorePath: "foobar", service: "ctcs"), "slug-ctcs:bf9cf968")
  }
}

// MARK: - Helpers

/// The key of the tests' meshes, and another.
private let sharedKey = Array("the key every member of the test mesh holds!".utf8)
private let otherKey = Array("a key of some other mesh".utf8)
private var testKey: MeshKey { MeshListener.key(sharedKey) }

/// A mesh member holding KEY.
private func member(_ prefix: String, key: [UInt8] = sharedKey, handshakeMilliseconds: Int = 5000) throws -> PeerMesh {
  try PeerMesh(
    prefix: prefix, key: MeshListener.key(key), log: Log(program: "PeerMeshTests", destination: .standardError),
    handshakeMilliseconds: handshakeMilliseconds)
}

/// The message `index` of `sender`: its sender and index, then bytes derived from both, of a
/// size that varies (some at the maximum).
private func patterned(sender: UInt8, index: Int, size: Int? = nil) -> [UInt8] {
  let size = size ?? (index % 25 == 0 ? PeerMesh.maximumMessageBytes : (index * 7919 + Int(sender) * 131) % 65536 + 5)
  var message = [sender, UInt8(index >> 24 & 0xFF), UInt8(index >> 16 & 0xFF), UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF)]
  message.reserveCapacity(size)
  for offset in message.count..<size { message.append(UInt8(truncatingIfNeeded: Int(sender) &* 31 &+ index &+ offset)) }
  return message
}

/// Polls the mesh and hands each event to `handle` until it returns true, `until` returns true
/// or the time is up.
private func pump(
  _ mesh: PeerMesh, milliseconds: Int, handle: (MeshEvent) -> Bool, until: () -> Bool = { false }
) {
  let deadline = Deadline.after(milliseconds: milliseconds)
  while Deadline.now() < deadline {
    if until() { return }
    var descriptors = mesh.pollDescriptors
    guard poll(&descriptors, nfds_t(descriptors.count), min(50, deadline.remainingMilliseconds)) >= 0 else { continue }
    for event in mesh.process(descriptors) where handle(event) { return }
  }
}

/// The events within the time, or until those so far satisfy `enough`.
private func events(
  of mesh: PeerMesh, milliseconds: Int, until enough: ([MeshEvent]) -> Bool = { _ in false }
) -> [MeshEvent] {
  var events: [MeshEvent] = []
  pump(mesh, milliseconds: milliseconds) { event in
    events.append(event)
    return enough(events)
  }
  return events
}

/// Says hello (our pid) to every peer that joins, and collects the peers' hellos until
/// `expecting` arrived; then a little longer, so a duplicate connection would show. Sorted.
private func helloExchange(_ mesh: PeerMesh, expecting: Int) -> [pid_t] {
  var hellos: [pid_t] = []
  let handle = { (event: MeshEvent) -> Bool in
    switch event {
    case .joined(let peer):
      mesh.send(Array("hello \(getpid())".utf8), to: peer)
    case .message(_, let message):
      let text = String(decoding: message, as: UTF8.self)
      if text.hasPrefix("hello "), let pid = pid_t(text.dropFirst(6)) { hellos.append(pid) }
    case .left:
      break
    }
    return false
  }
  pump(mesh, milliseconds: 5000, handle: handle) { hellos.count >= expecting }
  pump(mesh, milliseconds: 300, handle: handle)
  return hellos.sorted()
}

private func kind(_ event: MeshEvent) -> String {
  switch event {
  case .joined: "joined"
  case .message: "message"
  case .left: "left"
  }
}

/// A bare seqpacket connection to `@name`, as a process without the key would make.
private func rawConnection(to name: String) throws -> Int32 {
  let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0)
  var address = sockaddr_un()
  address.sun_family = sa_family_t(AF_UNIX)
  let bytes = Array(name.utf8)
  withUnsafeMutableBytes(of: &address.sun_path) { path in
    for (offset, byte) in bytes.enumerated() { path[1 + offset] = byte }
  }
  let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + bytes.count)
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
  }
  guard fd >= 0, connected == 0 else { throw POSIXError(.ECONNREFUSED) }
  return fd
}

/// Every message waiting on FD within 200 ms, until its end.
private func receiveAll(_ fd: Int32) -> [[UInt8]] {
  var messages: [[UInt8]] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard poll(&descriptor, 1, 200) > 0 else { return messages }
    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    guard count > 0 else { return messages }
    messages.append(Array(buffer[0..<count]))
  }
}

private func lastComponent(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }

extension PeerMeshTests {
  /// Forks a child that runs `body` (ForkedChild); killed and reaped at teardown.
  fileprivate func spawn(keeping: [Int32] = [], _ body: @escaping (ReportPipe) -> Void) throws -> ForkedChild {
    let child = try ForkedChild.start(keeping: keeping, body)
    addTeardownBlock { child.stop() }
    return child
  }
}
