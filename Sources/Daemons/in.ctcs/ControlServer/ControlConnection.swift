import CLibc

/// One ctorrent's connection on fd 0: reads the client and the mesh, hands what comes to the
/// session with the time, and carries out the session's actions on the socket, the store and
/// the mesh, until the session or the connection ends.
final class ControlConnection {
  let options: ControlOptions
  let log: Log
  let connection = StreamConnection(fd: 0)
  let peer: String
  let records: ControlStore
  var session: CTCSSession<ControlStore>
  var mesh: PeerMesh?
  /// Set when the conversation must end: the exit status.
  var finished: Int32?

  init(options: ControlOptions, password: String?, log: Log) {
    self.options = options
    self.log = log
    peer = connection.peer?.description ?? "the client"
    records = ControlStore(options: options, log: log, peer: peer)
    session = CTCSSession(
      configuration: CTCSSessionConfiguration(
        password: password, idleSeconds: options.idleSeconds, statusSeconds: options.statusSeconds, peer: peer),
      backend: records, now: .current())
  }

  /// Talks with the client until it or the session ends; FIRST: what it sent before the
  /// session started (ControlServer read it to tell ctorrent from a browser).
  func run(first: [UInt8]) -> Int32 {
    execute(session.start())
    execute(session.feed(first[...], now: .current()))
    while finished == nil {
      var descriptors = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
      if let mesh { descriptors += mesh.pollDescriptors }
      // A mesh peer that has not proven itself by its deadline is dropped then.
      let wake = Deadline(nanoseconds: min(session.nextWake, mesh?.handshakeDeadline?.nanoseconds ?? UInt64.max))
      let ready = poll(&descriptors, nfds_t(descriptors.count), wake.remainingMilliseconds)
      if ready < 0 {
        guard slug_errno() == EINTR else {
          log.error("poll: \(String(cString: strerror(slug_errno())))")
          return finish(EX_IOERR)
        }
        continue
      }
      if descriptors[0].revents != 0 { readClient() }
      if finished == nil, let mesh {
        for event in mesh.process(Array(descriptors.dropFirst())) {
          if case .message(_, let bytes) = event { execute(session.meshMessage(bytes, now: .current())) }
        }
      }
      guard finished == nil else { break }
      execute(session.tick(now: .current()))
    }
    return finish(finished ?? 0)
  }

  private func readClient() {
    switch connection.read(maximum: 16384, deadline: .now()) {
    case .data(let bytes):
      execute(session.feed(bytes[...], now: .current()))
    case .timedOut:
      break
    case .end:
      finished = 0
    case .failed(let code):
      if code != ECONNRESET { log.error("read from \(peer) failed: \(String(cString: strerror(code)))") }
      finished = code == ECONNRESET ? 0 : EX_IOERR
    }
  }

  /// The client is gone: what the store keeps of it, the others told, the queue run.
  private func finish(_ code: Int32) -> Int32 {
    execute(session.finish())
    return code
  }

  // MARK: - The session's actions

  private func execute(_ actions: [CTCSAction]) {
    for action in actions {
      switch action {
      case .send(let command):
        send(command)
      case .recordStatus(let id, let status, let state):
        record(id, "recording a status") { store, _ throws(StoreError) in
          try store.transaction { () throws(StoreError) in
            try store.updateTorrentStatus(id: id, status)
            if let state { try store.setTorrentState(id: id, state) }
          }
        }
      case .recordBandwidth(let id, let status):
        record(id, "recording rates") { store, now throws(StoreError) in
          try store.recordTorrentBandwidth(
            id: id, downloadRate: status.downloadRate, uploadRate: status.uploadRate,
            downloadLimit: status.downloadLimit, uploadLimit: status.uploadLimit, now: now)
        }
      case .recordMessage(let id, let text):
        record(id, "recording a message") { store, _ throws(StoreError) in try store.recordTorrentMessage(id: id, text) }
      case .recordFiles(let id, let list):
        record(id, "recording the files") { store, _ throws(StoreError) in
          try store.replaceTorrentFiles(
            id: id, totalBytes: list.totalBytes, pieceLength: list.pieceLength, seedingSince: list.seedingSince,
            files: list.files)
        }
      case .recordPeers(let id, let peers):
        record(id, "recording the peers") { store, _ throws(StoreError) in try store.replaceTorrentPeers(id: id, peers) }
      case .recordOptions(let id, let options):
        record(id, "recording the options") { store, _ throws(StoreError) in try store.replaceTorrentOptions(id: id, options) }
      case .recordState(let id, let state):
        record(id, "recording the state") { store, _ throws(StoreError) in try store.setTorrentState(id: id, state) }
      case .joinMesh:
        joinMesh()
      case .broadcast(let message):
        mesh?.broadcast(message.bytes)
      case .log(let line):
        write(line)
      case .close(let end):
        switch end {
        case .normal: finished = 0
        case .malformedInput: finished = EX_DATAERR
        case .storeFailed(let code): finished = code
        }
      case .release(let id, let state):
        records.release(id, state: state)
      case .startQueueRunner:
        // What was broadcast before is in the kernel once process() has written it.
        if let mesh { _ = mesh.process([]) }
        startQueueRunner()
      }
    }
  }

  private func send(_ command: ServerCommand) {
    guard finished == nil else { return }
    log.debug("\(peer) <- \(CTCSParseError.printable(String(decoding: command.line.utf8.dropLast(2), as: UTF8.self)))")
    switch connection.write(Array(command.line.utf8), deadline: .after(seconds: 10)) {
    case .written:
      break
    case .timedOut:
      log.error("\(peer) stopped reading; closing")
      finished = 0
    case .failed(let code):
      if code != EPIPE && code != ECONNRESET { log.error("write to \(peer) failed: \(String(cString: strerror(code)))") }
      finished = 0
    }
  }

  /// A record for torrent ID. One the session let go of (removed from the store meanwhile)
  /// concerns nothing any more; one the store no longer has is the session's to know.
  private func record(_ id: Int64, _ what: String, _ body: (Store, Int64) throws(StoreError) -> Void) {
    guard session.torrentID == id, let store = records.store else { return }
    do throws(StoreError) {
      try body(store, Int64(time(nil)))
    } catch {
      log.error("torrent \(id): \(what): \(error)")
      if case .notFound = error { execute(session.torrentRemoved()) }
    }
  }

  private func joinMesh() {
    // Commands and rebalancing need the mesh; without it the reports still reach the store.
    guard let store = records.store else { return log.error("cannot join the in.ctcs mesh: the store is not open") }
    let key: MeshKey
    do throws(StoreError) {
      key = try ControlServer.meshKey(of: store)
    } catch {
      return log.error("cannot join the in.ctcs mesh: \(error)")
    }
    do throws(MeshError) {
      let joined = try PeerMesh(prefix: PeerMesh.prefix(forStorePath: options.storePath, service: "ctcs"), key: key, log: log)
      joined.connectToAll()
      mesh = joined
    } catch {
      log.error("cannot join the in.ctcs mesh: \(error)")
    }
  }

  /// `in.ctcs --run-queue --db PATH` in a session of its own, so the next queued torrent
  /// starts; nothing waits for it.
  private func startQueueRunner() {
    let arguments = [options.program, "--run-queue", "--db", options.storePath]
    if case .failure(let failure) = Spawn.start(arguments, grouping: .session, executable: "/proc/self/exe") {
      log.error("cannot start the queue runner: \(failure)")
    }
  }

  private func write(_ line: CTCSLogLine) {
    switch line.level {
    case .error: log.error(line.message)
    case .warning: log.warning(line.message)
    case .notice: log.notice(line.message)
    case .info: log.info(line.message)
    case .debug: log.debug(line.message)
    }
  }
}

extension CTCSTime {
  /// Now, by both clocks.
  static func current() -> CTCSTime {
    CTCSTime(monotonic: Deadline.now().nanoseconds, unix: Int64(time(nil)))
  }
}
