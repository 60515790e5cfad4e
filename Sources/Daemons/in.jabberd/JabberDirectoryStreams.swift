/// XEP-0198's resumable streams in the store (Store+JabberStreams.swift). A failed store call
/// is logged and answered as "no stream": the session then goes on without resumption, or ends
/// its connection and leaves the client to log in afresh.
extension JabberDirectory {
  func createStream(_ stream: SessionStream) -> Bool {
    guard hasStore, let store = openStore() else { return false }
    return logging {
      () throws(StoreError) in
      try store.createJabberStream(
        id: stream.id, name: stream.user, resource: stream.resource, attached: stream.attached, state: stream.state)
      return true
    } ?? false
  }

  func stream(id: String) -> SessionStream? {
    guard hasStore, let store = openStore() else { return nil }
    return logging { () throws(StoreError) in try store.jabberStream(id: id).map(JabberDirectory.sessionStream) } ?? nil
  }

  static func sessionStream(_ stream: JabberStream) -> SessionStream {
    SessionStream(
      id: stream.id, user: stream.name, resource: stream.resource, attached: stream.attached, acked: stream.acked,
      handled: stream.handled, state: stream.state)
  }

  func enqueue(_ entries: [(stream: String, stanza: String, offline: Bool)]) -> [Int64?] {
    guard hasStore, let store = openStore(),
      let ids = logging({ () throws(StoreError) in try store.enqueueJabberStanzas(entries) })
    else { return entries.map { _ in nil } }
    return ids
  }

  func queued(in stream: String, after id: Int64) -> [SessionQueued] {
    guard let store = openStore() else { return [] }
    return logging { () throws(StoreError) in
      try store.jabberStreamQueue(stream, after: id).map { SessionQueued(id: $0.id, stanza: $0.stanza) }
    } ?? []
  }

  func acknowledge(stream: String, h: UInt32, upTo id: Int64) {
    guard let store = openStore() else { return }
    _ = logging { () throws(StoreError) in try store.acknowledgeJabberStream(stream, h: h, upTo: id) }
  }

  func setHandled(stream: String, handled: UInt32) {
    guard let store = openStore() else { return }
    _ = logging { () throws(StoreError) in try store.setJabberStreamHandled(stream, handled: handled) }
  }

  func setState(stream: String, state: String) {
    guard let store = openStore() else { return }
    _ = logging { () throws(StoreError) in try store.setJabberStreamState(stream, state: state) }
  }

  func resume(stream: String, user: String, h: UInt32, now: Int64) -> SessionResumption {
    guard hasStore, let store = openStore(),
      let resumption = logging({ () throws(StoreError) in try store.resumeJabberStream(stream, name: user, h: h, now: now) })
    else { return .notFound }
    switch resumption {
    case .notFound: return .notFound
    case .countTooHigh(let sent): return .countTooHigh(sent: sent)
    case .resumed(let found, let queue):
      return .resumed(
        JabberDirectory.sessionStream(found), queue: queue.map { SessionQueued(id: $0.id, stanza: $0.stanza) })
    }
  }

  func endStream(_ id: String, now: Int64) {
    guard let store = openStore() else { return }
    _ = logging { () throws(StoreError) in try store.endJabberStream(id, now: now) }
  }

  func sweepStreams(user: String, attachedBefore before: Int64, keeping live: [String], now: Int64) -> Int {
    guard hasStore, let store = openStore() else { return 0 }
    return logging { () throws(StoreError) in
      try store.sweepJabberStreams(name: user, attachedBefore: before, keeping: live, now: now)
    } ?? 0
  }
}
