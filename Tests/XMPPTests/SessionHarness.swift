import Crypto
import Text
import XCTest

@testable import XMPP

/// The store as the sessions see it: users, vCards and offline messages in memory, shared by
/// every session of a `SessionNetwork` (as the daemons share the SQLite file).
final class MemoryBackend: SessionBackend {
  var users: [SessionAccount]
  var vCards: [String: String] = [:]
  var offline: [(user: String, message: SessionOfflineMessage)] = []
  var nextID: Int64 = 1
  var offlineLimit = 1000
  /// PEP nodes, private XML and the capabilities cache (MemoryPubSub.swift).
  var pubSub = MemoryPubSub()
  /// Block lists by user (MemoryBlocking.swift).
  var blocks: [String: [String]] = [:]

  var clientAddress: String? = "192.0.2.1"
  /// The back-off as the store keeps it, for the one client address: ms after a failure.
  var backOffBase: Int64 = 0
  var failures = 0
  var nextAllowed: Int64 = 0
  var succeeded = 0
  var secret: [UInt8]? = Array("decoy secret".utf8)
  /// The message archive (SessionArchiveTests.swift): rows with whose archives keep them.
  var archived: [(entry: SessionArchiveEntry, senderKeeps: Bool, recipientKeeps: Bool)] = []
  var archiveDefaults: [String: SessionArchiveDefault] = [:]
  var archiveDays = 365

  init(users: [(String, String)]) {
    self.users = users.map { SessionAccount(name: $0.0, password: $0.1) }
  }

  /// Accounts as the store keeps them: SCRAM keys only (64 iterations, to be quick), and the
  /// password only for the `legacy` ones.
  init(hashed users: [(String, String)], legacy: Set<String> = []) {
    self.users = users.map { name, password in
      func keys(_ hash: SCRAMHash) -> SCRAMKeys { hash.keys(password: password, salt: Array(name.utf8) + [1, 2], iterations: 64) }
      return SessionAccount(
        name: name, sha1: keys(.sha1), sha256: keys(.sha256), password: legacy.contains(name) ? password : nil)
    }
  }

  func decoySecret() -> [UInt8]? { secret }
  func loginDelay(now: Int64) -> Int64 { max(0, nextAllowed - now) }
  func loginFailed(now: Int64) {
    failures += 1
    if backOffBase > 0 { nextAllowed = now + backOffBase << (failures - 1) }
  }
  func loginSucceeded(now: Int64) {
    succeeded += 1
    failures = 0
    nextAllowed = 0
  }

  func account(named name: String) -> SessionAccount? {
    users.first { ASCII.lowercased($0.name) == ASCII.lowercased(name) }
  }
  func userNames() -> [String] { users.map(\.name) }
  func vCard(of user: String) -> String? { vCards[ASCII.lowercased(user)] }
  func setVCard(_ vCard: String, of user: String) -> SessionStoreOutcome {
    vCards[ASCII.lowercased(user)] = vCard
    return .done
  }
  func storeOfflineMessage(_ stanza: String, to user: String, at time: Int64) -> SessionStoreOutcome {
    guard offline.filter({ $0.user == ASCII.lowercased(user) }).count < offlineLimit else { return .full }
    offline.append((ASCII.lowercased(user), SessionOfflineMessage(id: nextID, stanza: stanza, stored: time)))
    nextID += 1
    return .done
  }
  func offlineMessages(for user: String) -> [SessionOfflineMessage] {
    offline.filter { $0.user == ASCII.lowercased(user) }.map(\.message)
  }
  func delete(for user: String, upTo id: Int64) {
    offline.removeAll { $0.user == ASCII.lowercased(user) && $0.message.id <= id }
  }

  // XEP-0198 streams, as Store+JabberStreams.swift keeps them.
  var streams: [String: SessionStream] = [:]
  var queue: [(id: Int64, stream: String, stanza: String, offline: Bool)] = []
  var nextRow: Int64 = 1
  var queueLimit = 1000
  /// XEP-0045 rooms, as Store+JabberRooms.swift keeps them (SessionRoomTests.swift).
  var roomStore = MemoryRooms()
  /// XEP-0363 slots, as Store+JabberUploads.swift keeps them (SessionUploadTests.swift).
  var uploadStore = MemoryUploads()

  func createStream(_ stream: SessionStream) -> Bool {
    guard account(named: stream.user) != nil else { return false }
    streams[stream.id] = stream
    return true
  }
  func stream(id: String) -> SessionStream? { streams[id] }
  func enqueue(_ entries: [(stream: String, stanza: String, offline: Bool)]) -> [Int64?] {
    entries.map { entry in
      guard streams[entry.stream] != nil, queue.filter({ $0.stream == entry.stream }).count < queueLimit else { return nil }
      queue.append((nextRow, entry.stream, entry.stanza, entry.offline))
      nextRow += 1
      return nextRow - 1
    }
  }
  func queued(in stream: String, after id: Int64) -> [SessionQueued] {
    queue.filter { $0.stream == stream && $0.id > id }.map { SessionQueued(id: $0.id, stanza: $0.stanza) }
  }
  func acknowledge(stream: String, h: UInt32, upTo id: Int64) {
    queue.removeAll { $0.stream == stream && $0.id <= id }
    streams[stream]?.acked = h
  }
  func setHandled(stream: String, handled: UInt32) { streams[stream]?.handled = handled }
  func setState(stream: String, state: String) { streams[stream]?.state = state }
  func resume(stream: String, user: String, h: UInt32, now: Int64) -> SessionResumption {
    guard var found = streams[stream], ASCII.lowercased(found.user) == ASCII.lowercased(user) else { return .notFound }
    let rows = queued(in: stream, after: 0)
    let received = Int(h &- found.acked)
    guard received <= rows.count else { return .countTooHigh(sent: found.acked &+ UInt32(rows.count)) }
    if received > 0 { acknowledge(stream: stream, h: h, upTo: rows[received - 1].id) }
    found.acked = h
    found.attached = now
    streams[stream] = found
    return .resumed(found, queue: Array(rows[received...]))
  }
  func endStream(_ id: String, now: Int64) {
    guard let found = streams.removeValue(forKey: id) else { return }
    for row in queue where row.stream == id && row.offline {
      offline.append((ASCII.lowercased(found.user), SessionOfflineMessage(id: nextID, stanza: row.stanza, stored: now)))
      nextID += 1
    }
    queue.removeAll { $0.stream == id }
  }
  func sweepStreams(user: String, attachedBefore before: Int64, keeping live: [String], now: Int64) -> Int {
    let offlineBefore = offline.count
    for (id, stream) in streams
    where ASCII.lowercased(stream.user) == ASCII.lowercased(user) && stream.attached < before && !live.contains(id) {
      endStream(id, now: now)
    }
    return offline.count - offlineBefore
  }
}

/// Several sessions as the daemon runs them (client bytes through the real stream parser, the
/// actions carried out), joined by an in-memory mesh: a meshSend reaches the other end as a
/// peerMessage, a close hangs up the links as peerLeft, as the kernel does for seqpacket.
final class SessionNetwork {
  struct Client {
    var session: Session<MemoryBackend>
    var parser = XMLStreamParser()
    var output = ""
    var closed = false
    var inMesh = false
    var logs: [SessionLogLine] = []
    /// The times each `.pause` asked to wait until.
    var pauses: [Int64] = []
    /// What the TLS handshake after `.startTLS` reports (as the daemon's slug-tls would).
    var tls = SessionTLS(version: "TLSv1.3", exporter: Array(0..<32), endPoint: Array(100..<132))
    /// TLS handshakes done: the rest of what the client sent with `<starttls/>` is dropped.
    var handshakes = 0
  }

  struct Link {
    var a: Int
    var peerInA: SessionPeer
    var b: Int
    var peerInB: SessionPeer
  }

  let backend: MemoryBackend
  let configuration: SessionConfiguration
  var clients: [Client] = []
  var links: [Link] = []
  var nextPeer: SessionPeer = 100
  var now: Int64 = 1_764_288_000_000  // 2025-11-28T00:00:00Z
  var pending: [(Int, SessionEvent)] = []
  /// Mesh sends to a peer id no link has (the tests' hand-made peers): client, peer, message.
  var strayMeshSends: [(client: Int, peer: SessionPeer, message: SessionMeshMessage?)] = []

  init(users: [(String, String)], configuration: SessionConfiguration = SessionConfiguration(scramIterations: 64)) {
    backend = MemoryBackend(users: users)
    self.configuration = configuration
  }

  init(backend: MemoryBackend, configuration: SessionConfiguration = SessionConfiguration(scramIterations: 64)) {
    self.backend = backend
    self.configuration = configuration
  }

  /// A new connection; returns its index.
  func connect() -> Int {
    var counter = UInt8(clients.count * 16)
    let session = Session(configuration: configuration, backend: backend) { count in
      counter &+= 1
      return (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ counter }
    }
    clients.append(Client(session: session))
    return clients.count - 1
  }

  /// The client writes `text`: through its parser, into its session.
  func send(_ index: Int, _ text: String) {
    let events: [XMLStreamEvent]
    do {
      events = try clients[index].parser.feed(Array(text.utf8)[...])
    } catch {
      deliver(index, .clientError(error))
      return
    }
    let handshakes = clients[index].handshakes
    for event in events {
      deliver(index, .client(event))
      // As the daemon: what came with <starttls/> was sent in the clear, and is not looked at.
      if clients[index].handshakes != handshakes { return }
    }
  }

  func deliver(_ index: Int, _ event: SessionEvent) {
    pending.append((index, event))
    guard pending.count == 1 else { return }
    while !pending.isEmpty {
      let (target, next) = pending[0]
      if !clients[target].closed {
        let actions = clients[target].session.handle(next, now: now)
        perform(target, actions)
      }
      pending.removeFirst()
    }
  }

  /// What the client received since the last look.
  func take(_ index: Int) -> String {
    defer { clients[index].output = "" }
    return clients[index].output
  }

  func perform(_ index: Int, _ actions: [SessionAction]) {
    for action in actions {
      switch action {
      case .write(let text): clients[index].output += text
      case .restartParser: clients[index].parser.restart()
      case .joinMesh:
        clients[index].inMesh = true
        for other in clients.indices where other != index && clients[other].inMesh && !clients[other].closed {
          let link = Link(a: index, peerInA: nextPeer, b: other, peerInB: nextPeer + 1)
          nextPeer += 2
          links.append(link)
          pending.append((index, .peerJoined(link.peerInA)))
          pending.append((other, .peerJoined(link.peerInB)))
        }
        pending.append((index, .meshJoined))
      case .meshSend(let peer, let bytes):
        if let (target, peerThere) = far(index, peer) {
          pending.append((target, .peerMessage(peerThere, bytes)))
        } else {
          strayMeshSends.append((index, peer, SessionMeshMessage(bytes)))
        }
      case .meshBroadcast(let bytes):
        for link in links where link.a == index || link.b == index {
          let (target, peerThere) = link.a == index ? (link.b, link.peerInB) : (link.a, link.peerInA)
          pending.append((target, .peerMessage(peerThere, bytes)))
        }
      case .deleteOfflineMessages(let user, let id): backend.delete(for: user, upTo: id)
      case .archive(let entry): backend.archive(entry)
      case .storeRoomMessage(let message): backend.storeRoomMessage(message)
      case .log(let line): clients[index].logs.append(line)
      case .close: hangUp(index)
      case .startTLS:
        clients[index].parser = XMLStreamParser()
        clients[index].handshakes += 1
        pending.append((index, .tlsStarted(clients[index].tls)))
      case .pause(let until):
        // The clock moves on to the end of the pause, then the session takes up the attempt.
        clients[index].pauses.append(until)
        now = max(now, until)
        pending.append((index, .resume))
      }
    }
  }

  /// The process ends (or is killed): its links close at both ends.
  func hangUp(_ index: Int) {
    clients[index].closed = true
    for link in links where link.a == index || link.b == index {
      let (target, peerThere) = link.a == index ? (link.b, link.peerInB) : (link.a, link.peerInA)
      pending.append((target, .peerLeft(peerThere)))
    }
    links.removeAll { $0.a == index || $0.b == index }
  }

  /// kill -9: no last words, only the links' hang-up.
  func kill(_ index: Int) {
    hangUp(index)
    let queued = pending
    pending = []
    for (target, event) in queued { deliver(target, event) }
  }

  private func far(_ index: Int, _ peer: SessionPeer) -> (Int, SessionPeer)? {
    for link in links {
      if link.a == index, link.peerInA == peer { return (link.b, link.peerInB) }
      if link.b == index, link.peerInB == peer { return (link.a, link.peerInA) }
    }
    return nil
  }

  static let header =
    "<?xml version='1.0'?><stream:stream to='home.lan' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

  /// SASL PLAIN, restart, bind; then initial presence unless `available` is nil. The client's
  /// output starts at the bind result.
  @discardableResult
  func login(_ user: String, _ password: String, resource: String = "laptop", available: String? = "<presence/>")
    -> Int
  {
    let index = connect()
    send(index, SessionNetwork.header)
    let credentials = Base64.encode(Array("\0\(user)\0\(password)".utf8))
    send(index, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>\(credentials)</auth>")
    send(index, SessionNetwork.header)
    _ = take(index)  // the two stream headers: what follows parses as one stretch
    send(
      index,
      "<iq type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>\(resource)</resource></bind></iq>"
    )
    if let available { send(index, available) }
    return index
  }
}

/// The elements of a stretch of server output (its children of the stream), parsed back.
func stanzas(_ output: String) -> [XMLElement] {
  var parser = XMLStreamParser()
  let body = output.replacingOccurrences(of: "</stream:stream>", with: "")
  let wrapped =
    body.hasPrefix("<?xml")
    ? body : "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + body
  guard let events = try? parser.feed(Array(wrapped.utf8)[...]) else {
    XCTFail("server output is not well formed: \(output)")
    return []
  }
  return events.compactMap { event in
    if case .stanza(let element) = event { return element }
    return nil
  }
}
