import CLibc

/// in.ctcs: the CTCS server for one ctorrent, started by inetd per connection (tcp nowait,
/// port 2780). It says `PROTOCOL 0003`, checks AUTH when a password is configured, learns
/// which torrent the client runs from CTORRENT, records every report in the store, asks for a
/// status every few seconds (ctorrent says nothing while nothing changes), shares the line's
/// bandwidth with the other in.ctcs processes (a PeerMesh between them), and forwards the
/// commands slugctl and the web page send to its torrent (`ID words` on the mesh).
func runControlServer() -> Never {
  let options: ControlOptions
  do throws(UsageError) {
    options = try ControlOptions(
      try Arguments(flags: ["d"], options: ["db", "password-file", "t", "status-interval"]))
  } catch {
    Runtime.usageError(error, synopsis: ControlOptions.synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (ctcs stream tcp nowait)")
    exit(EX_NOINPUT)
  }
  var password: String?
  if let file = options.passwordFile {
    guard let text = PasswordFile.read(file) else {
      log.error("cannot read the password file \(file): \(String(cString: strerror(slug_errno())))")
      exit(EX_NOINPUT)
    }
    password = text
  }
  slug_ignore_sigpipe()
  let server = ControlServer(options: options, password: password, log: log)
  exit(server.run())
}

final class ControlServer {
  let options: ControlOptions
  let password: String?
  let log: Log
  let connection = StreamConnection(fd: 0)
  let peer: String
  let storePath: String

  var reader = CTCSLineReader()
  var protocolVersion = 3
  var authenticated: Bool
  var store: Store?
  var mesh: PeerMesh?
  var torrentID: Int64?
  var status = TorrentStatus()
  var complete = false
  var paused = false
  var quitRequested = false
  var state: TorrentState = .running
  var watch = SlowTorrentWatch()
  /// Whether our torrent's rates went up (BandwidthPlan.Demand.rising), measured against the
  /// rates of a report at least a second older (CTBW and CTSTATUS may come together).
  var downloadRising = false
  var uploadRising = false
  var earlierRates: (download: Int64, upload: Int64, at: Deadline)?
  /// The flags last told to the other in.ctcs processes (`rising ID D U` on the mesh), and
  /// theirs as they told us, with when: each process knows only its own torrent's history.
  var toldRising: (download: Bool, upload: Bool)?
  var othersRising: [Int64: (download: Bool, upload: Bool, at: Deadline)] = [:]
  /// The limits last sent (-1: none yet), so an unchanged plan sends nothing.
  var sentDownloadLimit: Int64 = -1
  var sentUploadLimit: Int64 = -1
  /// CTBW figures not yet written (at most one write a second).
  var bandwidthPending = false
  var lastBandwidthWrite = Deadline(nanoseconds: 0)
  var nextStatusRequest: Deadline
  var idleDeadline: Deadline
  /// Set when the conversation must end: the exit status.
  var finished: Int32?
  /// The blocks being received (CTDETAIL's file block, the peer and option blocks).
  var detail: (Int64, Int64, Int64)?
  var files: [TorrentFile]?
  var peers: [TorrentPeer]?
  var configuration: [TorrentOption]?
  /// SENDSTATUS requests so far: every `detailEvery`th also asks for the files and peers.
  var statusRequests = 0
  static let detailEvery = 6
  /// More files, peers or options than any real torrent has: the rest of a block is dropped.
  static let maximumListed = 10000

  init(options: ControlOptions, password: String?, log: Log) {
    self.options = options
    self.password = password
    self.log = log
    authenticated = password == nil
    peer = connection.peer?.description ?? "the client"
    storePath = Store.resolvePath(option: options.database)
    nextStatusRequest = .after(seconds: options.statusSeconds)
    idleDeadline = .after(seconds: options.idleSeconds)
  }

  func run() -> Int32 {
    send(.protocolVersion(3))
    while finished == nil {
      var descriptors = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
      if let mesh { descriptors += mesh.pollDescriptors }
      var wake = min(nextStatusRequest, idleDeadline)
      if bandwidthPending { wake = min(wake, Deadline(nanoseconds: lastBandwidthWrite.nanoseconds + 1_000_000_000)) }
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
          if case .message(_, let bytes) = event { meshMessage(String(decoding: bytes, as: UTF8.self)) }
        }
      }
      guard finished == nil else { break }
      let now = Deadline.now()
      if bandwidthPending && now.nanoseconds >= lastBandwidthWrite.nanoseconds + 1_000_000_000 { writeBandwidth() }
      if now >= idleDeadline {
        log.notice("\(peer): nothing from ctorrent for \(options.idleSeconds) s; closing")
        return finish(0)
      }
      if now >= nextStatusRequest {
        nextStatusRequest = .after(seconds: options.statusSeconds)
        if torrentID != nil {
          send(.sendStatus)
          statusRequests += 1
          if statusRequests % ControlServer.detailEvery == 0 {
            send(.sendDetail)
            send(.sendPeers)
          }
        }
      }
    }
    return finish(finished ?? 0)
  }

  // MARK: - The client

  private func readClient() {
    switch connection.read(maximum: 16384, deadline: .now()) {
    case .data(let bytes):
      idleDeadline = .after(seconds: options.idleSeconds)
      let lines: [String]
      do throws(CTCSLineReader.LineTooLong) {
        lines = try reader.feed(bytes[...])
      } catch {
        log.error("\(peer): \(error); closing")
        send(.error("line too long"))
        finished = 65
        return
      }
      for line in lines where finished == nil { handle(line) }
    case .timedOut:
      break
    case .end:
      finished = 0
    case .failed(let code):
      if code != ECONNRESET { log.error("read from \(peer) failed: \(String(cString: strerror(code)))") }
      finished = code == ECONNRESET ? 0 : EX_IOERR
    }
  }

  private func handle(_ line: String) {
    let message: ClientMessage?
    do throws(CTCSParseError) {
      message = try ClientMessageParser.parse(line, protocolVersion: protocolVersion)
    } catch {
      log.warning("\(peer): \(error)")
      return
    }
    guard let message else {
      log.debug("\(peer): ignored \(CTCSParseError.printable(line))")
      return
    }
    switch message {
    case .protocolVersion(let version):
      protocolVersion = min(max(version, 1), 3)
    case .auth(let given):
      guard let password else { return }
      if ConstantTime.equals(given, password) {
        authenticated = true
      } else {
        refuse("wrong password")
      }
    case .torrent(let peerID, _, _, let file):
      guard authenticated else { return refuse("no password given") }
      guard torrentID == nil else { return }
      status.peerID = peerID
      identify(file: file)
    case .status(let reported):
      guard let id = torrentID else { return }
      record(reported, id: id)
    case .bandwidth(let downloadRate, let uploadRate, let downloadLimit, let uploadLimit):
      guard torrentID != nil else { return }
      let changedRate = downloadRate != status.downloadRate || uploadRate != status.uploadRate
      noteRates(download: downloadRate, upload: uploadRate)
      status.downloadRate = downloadRate
      status.uploadRate = uploadRate
      status.downloadLimit = downloadLimit
      status.uploadLimit = uploadLimit
      bandwidthPending = true
      if Deadline.now().nanoseconds >= lastBandwidthWrite.nanoseconds + 1_000_000_000 { writeBandwidth() }
      if changedRate { nudge() }
    case .info(let severity, let text):
      guard let id = torrentID else { return }
      status.lastMessage = text
      if severity == 1 { log.warning("torrent \(id): \(CTCSParseError.printable(text))") }
      perform("recording a message") { store, _ throws(StoreError) in try store.recordTorrentMessage(id: id, text) }
    case .detail(let totalBytes, let pieceLength, _, let seedingSince):
      detail = (totalBytes, pieceLength, seedingSince)
    case .filesStart:
      files = []
    case .file(let file):
      guard files != nil, files!.count < ControlServer.maximumListed else { return }
      files!.append(file)
    case .filesEnd:
      guard let id = torrentID, let list = files else { return }
      files = nil
      let (total, pieceLength, seedingSince) = detail ?? (0, 0, 0)
      perform("recording the files") { store, _ throws(StoreError) in
        try store.replaceTorrentFiles(
          id: id, totalBytes: total, pieceLength: pieceLength, seedingSince: seedingSince, files: list)
      }
    case .peersStart:
      peers = []
    case .peer(let peer):
      guard peers != nil, peers!.count < ControlServer.maximumListed else { return }
      peers!.append(peer)
    case .peersEnd:
      guard let id = torrentID, let list = peers else { return }
      peers = nil
      perform("recording the peers") { store, _ throws(StoreError) in try store.replaceTorrentPeers(id: id, list) }
    case .configStart:
      configuration = []
    case .config(let option):
      guard configuration != nil, configuration!.count < ControlServer.maximumListed else { return }
      configuration!.append(option)
    case .configEnd:
      guard let id = torrentID, let list = configuration else { return }
      configuration = nil
      perform("recording the options") { store, _ throws(StoreError) in try store.replaceTorrentOptions(id: id, list) }
    }
  }

  /// Ends the conversation after an ERROR line; ctorrent reconnects and tries again later.
  private func refuse(_ reason: String) {
    log.notice("\(peer): authentication failed (\(reason))")
    send(.error("authentication failed"))
    finished = 0
  }

  // MARK: - Which torrent

  /// The queue starts ctorrent on `<torrents>/<ID>.torrent`, so the file name gives the id;
  /// any other file is a torrent started by hand: added to the store (by its metainfo when
  /// the file can be read, else by its name) and marked running.
  private func identify(file: String) {
    guard let store = openStore() else { return }
    let base = Arguments.basename(file)
    let stem = base.hasSuffix(".torrent") ? String(base.dropLast(8)) : base
    var found: Int64
    do throws(StoreError) {
      if let id = Int64(stem), try store.torrent(id: id) != nil {
        found = id
      } else {
        let metainfo = file.hasPrefix("/") ? readSmallFile(file, limit: 16 << 20) : nil
        let name = stem.isEmpty ? "torrent" : CTCSParseError.printable(stem)
        found = try store.adoptTorrent(name: name, metainfo: metainfo ?? Array(("file:" + file).utf8), now: ControlServer.now())
      }
      // Served here now (so a resume never starts a second ctorrent); a paused torrent stays
      // paused, and its client is told so below.
      paused = try store.attachTorrentServer(
        id: found, server: ProcessMark(pid: getpid(), started: ProcessTable.startTime(getpid()))) == .paused
      // A new client: its peer id, and none of the last one's figures.
      status.lastSeen = ControlServer.now()
      try store.updateTorrentStatus(id: found, status)
    } catch {
      log.error("\(peer): cannot record torrent \(CTCSParseError.printable(file)): \(error)")
      send(.error("server store unavailable"))
      finished = error.exitCode
      return
    }
    let id = found
    torrentID = id
    state = paused ? .paused : .running
    watch = SlowTorrentWatch(slowThresholds(store))
    log.info("\(peer): torrent \(id) (\(CTCSParseError.printable(file)))")
    joinMesh()
    if paused { send(.config(name: "pause", value: "1")) }
    send(.sendDetail)
    send(.sendPeers)
    send(.sendConfig)
  }

  /// The slow-torrent watch's thresholds from the store's settings, read once per client;
  /// a bad value keeps its default, with a warning.
  private func slowThresholds(_ store: Store) -> SlowTorrentWatch.Thresholds {
    func text(_ key: String) -> String? {
      do throws(StoreError) {
        return try store.setting(key)
      } catch {
        log.warning("reading setting \(key): \(error)")
        return nil
      }
    }
    let (thresholds, problems) = SlowTorrentWatch.Thresholds.parse(
      updateBelowKB: text(SettingKey.torrentSlowUpdateBelow), restartBelowKB: text(SettingKey.torrentSlowRestartBelow),
      patienceSeconds: text(SettingKey.torrentSlowPatience))
    for problem in problems { log.warning(problem) }
    return thresholds
  }

  private func openStore() -> Store? {
    if let store { return store }
    do throws(StoreError) {
      store = try Store(writingTo: storePath)
    } catch {
      log.error("\(error)")
      send(.error("server store unavailable"))
      finished = error.exitCode
    }
    return store
  }

  private func joinMesh() {
    do throws(MeshError) {
      let joined = try PeerMesh(prefix: PeerMesh.prefix(forStorePath: storePath, service: "ctcs"))
      joined.connectToAll()
      mesh = joined
    } catch {
      // Commands and rebalancing need the mesh; the reports still reach the store.
      log.error("cannot join the in.ctcs mesh: \(error)")
    }
  }

  // MARK: - Reports

  private func record(_ reported: ReportedStatus, id: Int64) {
    noteRates(download: reported.downloadRate, upload: reported.uploadRate)
    status.downloadRate = reported.downloadRate
    status.uploadRate = reported.uploadRate
    status.downloadLimit = reported.downloadLimit
    status.uploadLimit = reported.uploadLimit
    status.piecesTotal = reported.piecesTotal
    status.piecesHave = reported.piecesHave
    status.piecesAvailable = reported.piecesAvailable
    status.downloaded = reported.downloaded
    status.uploaded = reported.uploaded
    status.seeders = reported.seeders
    status.trackerSeeders = reported.trackerSeeders
    status.leechers = reported.leechers
    status.trackerLeechers = reported.trackerLeechers
    status.connecting = reported.connecting
    status.cacheUsedKB = reported.cacheUsedKB
    status.lastSeen = ControlServer.now()
    complete = reported.isComplete
    let newState: TorrentState = paused ? .paused : complete ? .seeding : .running
    let snapshot = status
    let stateChanged = newState != state
    state = newState
    perform("recording a status") { store, _ throws(StoreError) in
      try store.transaction { () throws(StoreError) in
        try store.updateTorrentStatus(id: id, snapshot)
        if stateChanged { try store.setTorrentState(id: id, newState) }
      }
    }
    bandwidthPending = false
    lastBandwidthWrite = .now()
    nudge()
  }

  /// A report's rates: whether they went up since the reference a second or more ago (the
  /// flags stand until the next such comparison).
  private func noteRates(download: Int64, upload: Int64) {
    let now = Deadline.now()
    if let earlier = earlierRates, now.nanoseconds < earlier.at.nanoseconds + 1_000_000_000 { return }
    if let earlier = earlierRates {
      downloadRising = BandwidthPlan.rising(from: earlier.download, to: download)
      uploadRising = BandwidthPlan.rising(from: earlier.upload, to: upload)
    }
    earlierRates = (download, upload, now)
    // Told while climbing (at most once a second) and once when it stops; before the
    // `rebalance` the report brings, so the others plan with it.
    let told = toldRising ?? (false, false)
    if let id = torrentID, downloadRising || uploadRising || told.download || told.upload {
      mesh?.broadcast(Array("rising \(id) \(downloadRising ? 1 : 0) \(uploadRising ? 1 : 0)".utf8))
      toldRising = (downloadRising, uploadRising)
    }
  }

  /// Whether another torrent's in.ctcs said in the last 3 s that its rate is climbing.
  private func othersRate(of id: Int64, upload: Bool) -> Bool {
    guard let told = othersRising[id], Deadline.now().nanoseconds < told.at.nanoseconds + 3_000_000_000 else { return false }
    return upload ? told.upload : told.download
  }

  private func writeBandwidth() {
    guard let id = torrentID else { return }
    bandwidthPending = false
    lastBandwidthWrite = .now()
    let snapshot = status
    perform("recording rates") { store, now throws(StoreError) in
      try store.recordTorrentBandwidth(
        id: id, downloadRate: snapshot.downloadRate, uploadRate: snapshot.uploadRate,
        downloadLimit: snapshot.downloadLimit, uploadLimit: snapshot.uploadLimit, now: now)
    }
    rebalance(announce: true)
  }

  /// After a report: the slow-torrent watch, then the bandwidth plan.
  private func nudge() {
    if let command = watch.observe(
      downloadRate: status.downloadRate, complete: complete, paused: paused, now: ControlServer.now())
    {
      let limits = watch.thresholds
      // In the store as the torrent's last message, so the list shows why it was nudged.
      let note =
        command == .restart
        ? "in.ctcs: under \(limits.restartBelow) B/s for \(limits.patience) s after CTUPDATE; sent CTRESTART (a new tracker session)"
        : "in.ctcs: under \(limits.updateBelow) B/s for \(limits.patience) s; sent CTUPDATE (more peers)"
      log.info("torrent \(torrentID ?? 0): \(status.downloadRate) B/s: \(note)")
      send(command)
      if let id = torrentID {
        status.lastMessage = note
        perform("recording a message") { store, _ throws(StoreError) in try store.recordTorrentMessage(id: id, note) }
      }
    }
    if !bandwidthPending { rebalance(announce: true) }
  }

  // MARK: - Bandwidth

  /// The line's limits (bytes/s, 0: none): the command line's, else the store's settings.
  private func lineLimits(_ store: Store) -> (download: Int64, upload: Int64) {
    if let download = options.downloadLimit, let upload = options.uploadLimit { return (download, upload) }
    func bytes(_ key: String) -> Int64 {
      let kilobytes = (try? store.integerSetting(key)) ?? nil
      return min(max(kilobytes ?? 0, 0), Int64.max / 1024) * 1024
    }
    return (bytes(SettingKey.torrentDownloadLimit), bytes(SettingKey.torrentUploadLimit))
  }

  /// Recomputes every running torrent's share from the store and sends our client its new
  /// limits when they changed; `announce` tells the other processes to do the same.
  private func rebalance(announce: Bool) {
    guard let id = torrentID, let store, !paused else { return }
    let torrents: [Torrent]
    do throws(StoreError) {
      torrents = try store.torrents()
    } catch {
      log.error("reading the queue: \(error)")
      return
    }
    let freshSince = ControlServer.now() - 120
    let live = torrents.filter {
      $0.id == id || (($0.state == .running || $0.state == .seeding) && $0.status.lastSeen >= freshSince)
    }
    let (downloadLine, uploadLine) = lineLimits(store)
    var changed = false
    // Download: among the torrents still downloading; a seeder's download limit is left alone.
    if !complete {
      let downloading = live.filter { $0.id == id || $0.state == .running }
      let demands = downloading.map { torrent in
        torrent.id == id
          ? BandwidthPlan.Demand(
            rate: status.downloadRate, limit: status.downloadLimit, minimum: torrent.minDownloadRate,
            maximum: torrent.maxDownloadRate, rising: downloadRising)
          : BandwidthPlan.Demand(
            rate: torrent.status.downloadRate, limit: torrent.status.downloadLimit,
            minimum: torrent.minDownloadRate, maximum: torrent.maxDownloadRate,
            rising: othersRate(of: torrent.id, upload: false))
      }
      let limits = BandwidthPlan.allocate(total: downloadLine, among: demands)
      if let index = downloading.firstIndex(where: { $0.id == id }), limits[index] != sentDownloadLimit {
        sentDownloadLimit = limits[index]
        send(.setDownloadLimit(limits[index]))
        changed = true
      }
    }
    let demands = live.map { torrent in
      torrent.id == id
        ? BandwidthPlan.Demand(
          rate: status.uploadRate, limit: status.uploadLimit, minimum: torrent.minUploadRate,
          maximum: torrent.maxUploadRate, rising: uploadRising)
        : BandwidthPlan.Demand(
          rate: torrent.status.uploadRate, limit: torrent.status.uploadLimit, minimum: torrent.minUploadRate,
          maximum: torrent.maxUploadRate, rising: othersRate(of: torrent.id, upload: true))
    }
    let limits = BandwidthPlan.allocate(total: uploadLine, among: demands)
    if let index = live.firstIndex(where: { $0.id == id }), limits[index] != sentUploadLimit {
      sentUploadLimit = limits[index]
      send(.setUploadLimit(limits[index]))
      changed = true
    }
    if announce && (changed || live.count > 1) { mesh?.broadcast(Array("rebalance".utf8)) }
  }

  // MARK: - Commands from slugctl and the web page

  /// `rebalance`, or `ID words` for the torrent ID's server.
  private func meshMessage(_ text: String) {
    if text == "rebalance" { return rebalance(announce: false) }
    if text.hasPrefix("rising ") {
      let words = text.split(separator: " ")
      guard words.count == 4, let id = Int64(words[1]), id != torrentID else { return }
      othersRising[id] = (words[2] == "1", words[3] == "1", Deadline.now())
      return
    }
    let parts = text.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, let id = Int64(parts[0]), id == torrentID else { return }
    let words = String(parts[1])
    if words == "rebalance" { return rebalance(announce: true) }
    guard let command = ServerCommand(request: words) else {
      log.warning("torrent \(id): unknown command \(CTCSParseError.printable(words))")
      return
    }
    log.info("torrent \(id): \(CTCSParseError.printable(words))")
    switch command {
    case .quit:
      quitRequested = true
    case .config(let name, let value) where name == "pause":
      paused = value == "1"
      state = paused ? .paused : complete ? .seeding : .running
      let newState = state
      perform("recording the state") { store, _ throws(StoreError) in try store.setTorrentState(id: id, newState) }
      if !paused { sentDownloadLimit = -1; sentUploadLimit = -1 }
    default:
      break
    }
    send(command)
    if case .config(let name, _) = command {
      // ctorrent's own word on the option, for the store.
      send(.sendConfig)
      if name == "pause", !paused { rebalance(announce: true) }
    }
  }

  // MARK: - The end

  /// The torrent's state once its client is gone: done after CTQUIT or once complete (ctorrent
  /// leaves by itself when its seeding limits are reached), paused stays paused. Otherwise,
  /// when the queue runner's ctorrent is still alive only the connection was lost (ctorrent
  /// connects again within 5 s): the state stays; when it is dead, the queue runner decides
  /// (failed); a ctorrent started by hand that left unfinished is paused, so nothing starts it
  /// again behind its user's back. The others are told to rebalance and the queue runner
  /// starts what is next.
  private func finish(_ code: Int32) -> Int32 {
    guard let id = torrentID, let store else { return code }
    var final: TorrentState? = quitRequested || complete ? .done : paused ? .paused : nil
    do throws(StoreError) {
      if final == nil, try store.torrentProcess(id: id) == nil { final = .paused }
      try store.transaction { () throws(StoreError) in
        try store.detachTorrentServer(id: id, serverPID: getpid())
        if let final { try store.setTorrentState(id: id, final) }
      }
    } catch {
      log.error("torrent \(id): recording its end: \(error)")
    }
    log.info("torrent \(id): client gone; \(final?.rawValue ?? "left to the queue runner")")
    torrentID = nil
    mesh?.broadcast(Array("rebalance".utf8))
    if let mesh {
      // Flush the broadcast: the queue is in the kernel once process() has written it.
      _ = mesh.process([])
    }
    startQueueRunner()
    return code
  }

  /// `in.ctcs --run-queue --db PATH`, detached, so the next queued torrent starts.
  private func startQueueRunner() {
    let arguments = [options.program, "--run-queue", "--db", storePath]
    var pid = pid_t()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for fd: Int32 in 0...2 {
      posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // POSIX_SPAWN_SETSID (glibc 0x80) is hidden without _GNU_SOURCE.
    posix_spawnattr_setflags(&attributes, 0x80)
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let result = posix_spawn(&pid, "/proc/self/exe", &actions, &attributes, &argv, slug_environ())
    if result != 0 { log.error("cannot start the queue runner: \(String(cString: strerror(result)))") }
  }

  // MARK: - Helpers

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

  private func perform(_ what: String, _ body: (Store, Int64) throws(StoreError) -> Void) {
    guard let store else { return }
    do throws(StoreError) {
      try body(store, ControlServer.now())
    } catch {
      log.error("torrent \(torrentID ?? 0): \(what): \(error)")
      if case .notFound = error, torrentID != nil {
        // Removed from the store while its client runs: nothing would show or control it.
        torrentID = nil
        send(.quit)
      }
    }
  }

  static func now() -> Int64 { Int64(time(nil)) }
}
