#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
import Model
#endif

/// What the session asks the store and must know before it goes on, answered at once: in the
/// daemon the store, in the tests a dictionary.
public protocol CTCSBackend {
  /// CTORRENT named FILE: the torrent it runs (the queue runner's files are `<ID>.torrent`;
  /// any other is a torrent started by hand, added), now marked served by this process, with
  /// STATUS recorded (the new client's peer id, none of the last one's figures). Failures are
  /// logged here.
  mutating func identify(file: String, status: TorrentStatus) -> CTCSIdentification
  /// Every torrent in the queue, for sharing the line; nil (logged) when they cannot be read.
  func torrents() -> [Torrent]?
  /// The line's limits: in.ctcs's arguments, else the store's settings.
  func lineLimits() -> CTCSLineLimits
}

public enum CTCSIdentification: Equatable, Sendable {
  /// PAUSED: the torrent stays paused, and its client is told so. The slow watch's thresholds
  /// come from the store's settings, read once per client.
  case torrent(id: Int64, paused: Bool, thresholds: SlowTorrentWatch.Thresholds)
  /// The store cannot record it: the store error's exit status.
  case failed(exitCode: Int32)
}

/// One ctorrent's conversation with in.ctcs as a value: ctorrent's bytes, the mesh's messages
/// and the time go in; what to send, record, broadcast and log comes out, in order
/// (CTCSSessionInterface.swift).
///
/// The server says `PROTOCOL 0003` first, checks AUTH when a password is configured, learns
/// from CTORRENT which torrent the client runs, records every report, asks for a status every
/// few seconds, nudges a stalled download (SlowTorrentWatch), shares the line's bandwidth with
/// the other in.ctcs processes (CTCSSessionBandwidth.swift) and passes on the requests of
/// slugctl and the web page. Decisions where the runtime could differ:
/// - CTBW is written at most once a second; a CTSTATUS report writes at once, in one
///   transaction, and counts as the rates' write.
/// - A line longer than CTCSLineReader allows ends the conversation (ERROR, EX_DATAERR);
///   a line that does not parse is logged and skipped.
/// - A record for a torrent the store no longer has (`torrentRemoved`): the client is told to
///   quit, and what the session does no longer concerns the torrent.
public struct CTCSSession<Backend: CTCSBackend> {
  /// SENDSTATUS requests: every `detailEvery`th also asks for the files and peers.
  public static var detailEvery: Int { 6 }
  /// More files, peers or options than any real torrent has: the rest of a block is dropped.
  public static var maximumListed: Int { 10000 }

  public var backend: Backend
  public let configuration: CTCSSessionConfiguration
  /// The torrent the client runs, from CTORRENT until the client is gone or the torrent removed.
  public internal(set) var torrentID: Int64?
  public internal(set) var isClosed = false

  var reader = CTCSLineReader()
  var protocolVersion = 3
  var authenticated: Bool
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
  var earlierRates: (download: Int64, upload: Int64, at: UInt64)?
  /// The flags last told to the other in.ctcs processes, and theirs as they told us, with
  /// when: each process knows only its own torrent's history.
  var toldRising: (download: Bool, upload: Bool)?
  var othersRising: [Int64: (download: Bool, upload: Bool, at: UInt64)] = [:]
  /// The limits last sent (-1: none yet), so an unchanged plan sends nothing.
  var sentDownloadLimit: Int64 = -1
  var sentUploadLimit: Int64 = -1
  /// CTBW figures not yet written.
  var bandwidthPending = false
  var lastBandwidthWrite: UInt64 = 0
  var nextStatusRequest: UInt64
  var idleDeadline: UInt64
  /// The blocks being received: CTDETAIL's figures and the file block, the peers, the options.
  var detail: (totalBytes: Int64, pieceLength: Int64, seedingSince: Int64)?
  var files: [TorrentFile]?
  var peers: [TorrentPeer]?
  var options: [TorrentOption]?
  var statusRequests = 0
  var now: CTCSTime
  var actions: [CTCSAction] = []

  public init(configuration: CTCSSessionConfiguration, backend: Backend, now: CTCSTime) {
    self.configuration = configuration
    self.backend = backend
    self.now = now
    authenticated = configuration.password == nil
    nextStatusRequest = now.monotonic + CTCSSession.nanoseconds(configuration.statusSeconds)
    idleDeadline = now.monotonic + CTCSSession.nanoseconds(configuration.idleSeconds)
  }

  /// The first line, before anything is read.
  public mutating func start() -> [CTCSAction] {
    send(.protocolVersion(3))
    return takeActions()
  }

  /// When `tick` has something to do (monotonic nanoseconds): a status request, the idle
  /// time's end, or CTBW figures to write.
  public var nextWake: UInt64 {
    let wake = min(nextStatusRequest, idleDeadline)
    return bandwidthPending ? min(wake, lastBandwidthWrite + CTCSTime.nanosecondsPerSecond) : wake
  }

  /// Bytes from ctorrent as they arrive.
  public mutating func feed(_ bytes: ArraySlice<UInt8>, now: CTCSTime) -> [CTCSAction] {
    guard !isClosed else { return [] }
    self.now = now
    idleDeadline = now.monotonic + CTCSSession.nanoseconds(configuration.idleSeconds)
    let lines: [String]
    do throws(CTCSLineReader.LineTooLong) {
      lines = try reader.feed(bytes)
    } catch {
      log(.error, "\(configuration.peer): \(error); closing")
      send(.error("line too long"))
      close(.malformedInput)
      return takeActions()
    }
    for line in lines where !isClosed { handle(line) }
    return takeActions()
  }

  /// One message from ctorrent, already parsed.
  public mutating func receive(_ message: ClientMessage, now: CTCSTime) -> [CTCSAction] {
    guard !isClosed else { return [] }
    self.now = now
    handle(message)
    return takeActions()
  }

  /// Time passed: the CTBW figures' write when due, the idle time's end, the status request.
  public mutating func tick(now: CTCSTime) -> [CTCSAction] {
    guard !isClosed else { return [] }
    self.now = now
    if bandwidthPending && now.monotonic >= lastBandwidthWrite + CTCSTime.nanosecondsPerSecond { writeBandwidth() }
    if now.monotonic >= idleDeadline {
      log(.notice, "\(configuration.peer): nothing from ctorrent for \(configuration.idleSeconds) s; closing")
      close(.normal)
      return takeActions()
    }
    if now.monotonic >= nextStatusRequest {
      nextStatusRequest = now.monotonic + CTCSSession.nanoseconds(configuration.statusSeconds)
      if torrentID != nil {
        send(.sendStatus)
        statusRequests += 1
        if statusRequests % CTCSSession.detailEvery == 0 {
          send(.sendDetail)
          send(.sendPeers)
        }
      }
    }
    return takeActions()
  }

  /// A record for the torrent failed because the store no longer has it: removed while its
  /// client runs, nothing would show or control it.
  public mutating func torrentRemoved() -> [CTCSAction] {
    guard torrentID != nil else { return [] }
    torrentID = nil
    send(.quit)
    return takeActions()
  }

  /// The conversation is over (the session closed it, the client left, or a read or write
  /// failed): the torrent's state once its client is gone. Done after CTQUIT or once complete
  /// (ctorrent leaves by itself when its seeding limits are reached), paused stays paused,
  /// else the queue runner decides (`CTCSAction.release`). The others are told to share the
  /// line again and the queue runner starts what is next.
  public mutating func finish() -> [CTCSAction] {
    isClosed = true
    guard let id = torrentID else { return [] }
    torrentID = nil
    let final: TorrentState? = quitRequested || complete ? .done : paused ? .paused : nil
    return [.release(torrent: id, state: final), .broadcast(.rebalance), .startQueueRunner]
  }

  // MARK: - ctorrent's lines

  mutating func handle(_ line: String) {
    let message: ClientMessage?
    do throws(CTCSParseError) {
      message = try ClientMessageParser.parse(line, protocolVersion: protocolVersion)
    } catch {
      log(.warning, "\(configuration.peer): \(error)")
      return
    }
    guard let message else {
      log(.debug, "\(configuration.peer): ignored \(CTCSParseError.printable(line))")
      return
    }
    handle(message)
  }

  mutating func handle(_ message: ClientMessage) {
    switch message {
    case .protocolVersion(let version):
      protocolVersion = min(max(version, 1), 3)
    case .auth(let given):
      guard let password = configuration.password else { return }
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
      if now.monotonic >= lastBandwidthWrite + CTCSTime.nanosecondsPerSecond { writeBandwidth() }
      if changedRate { nudge() }
    case .info(let severity, let text):
      guard let id = torrentID else { return }
      status.lastMessage = text
      if severity == 1 { log(.warning, "torrent \(id): \(CTCSParseError.printable(text))") }
      actions.append(.recordMessage(torrent: id, text))
    case .detail(let totalBytes, let pieceLength, _, let seedingSince):
      detail = (totalBytes, pieceLength, seedingSince)
    case .filesStart:
      files = []
    case .file(let file):
      CTCSSession.append(file, to: &files)
    case .filesEnd:
      guard let id = torrentID, let list = files else { return }
      files = nil
      let figures = detail ?? (0, 0, 0)
      actions.append(
        .recordFiles(
          torrent: id,
          CTCSFileList(
            totalBytes: figures.totalBytes, pieceLength: figures.pieceLength, seedingSince: figures.seedingSince,
            files: list)))
    case .peersStart:
      peers = []
    case .peer(let peer):
      CTCSSession.append(peer, to: &peers)
    case .peersEnd:
      guard let id = torrentID, let list = peers else { return }
      peers = nil
      actions.append(.recordPeers(torrent: id, list))
    case .configStart:
      options = []
    case .config(let option):
      CTCSSession.append(option, to: &options)
    case .configEnd:
      guard let id = torrentID, let list = options else { return }
      options = nil
      actions.append(.recordOptions(torrent: id, list))
    }
  }

  /// Ends the conversation after an ERROR line; ctorrent connects again later.
  mutating func refuse(_ reason: String) {
    log(.notice, "\(configuration.peer): authentication failed (\(reason))")
    send(.error("authentication failed"))
    close(.normal)
  }

  /// Which torrent the client runs; then the blocks are asked for at once.
  mutating func identify(file: String) {
    status.lastSeen = now.unix
    switch backend.identify(file: file, status: status) {
    case .failed(let exitCode):
      send(.error("server store unavailable"))
      close(.storeFailed(exitCode: exitCode))
    case .torrent(let id, let paused, let thresholds):
      torrentID = id
      self.paused = paused
      state = paused ? .paused : .running
      watch = SlowTorrentWatch(thresholds)
      log(.info, "\(configuration.peer): torrent \(id) (\(CTCSParseError.printable(file)))")
      actions.append(.joinMesh)
      if paused { send(.config(name: "pause", value: "1")) }
      send(.sendDetail)
      send(.sendPeers)
      send(.sendConfig)
    }
  }

  /// A CTSTATUS report: the status and, when it changed, the state, in the store at once.
  mutating func record(_ reported: ReportedStatus, id: Int64) {
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
    status.lastSeen = now.unix
    complete = reported.isComplete
    let newState: TorrentState = paused ? .paused : complete ? .seeding : .running
    let stateChanged = newState != state
    state = newState
    actions.append(.recordStatus(torrent: id, status, state: stateChanged ? newState : nil))
    bandwidthPending = false
    lastBandwidthWrite = now.monotonic
    nudge()
  }

  // MARK: - Helpers

  static func append<Item>(_ item: Item, to list: inout [Item]?) {
    guard list != nil, list!.count < maximumListed else { return }
    list!.append(item)
  }

  static func nanoseconds(_ seconds: Int) -> UInt64 { UInt64(max(seconds, 0)) * CTCSTime.nanosecondsPerSecond }

  mutating func send(_ command: ServerCommand) {
    guard !isClosed else { return }
    actions.append(.send(command))
  }

  mutating func log(_ level: CTCSLogLine.Level, _ message: String) {
    actions.append(.log(CTCSLogLine(level, message)))
  }

  mutating func close(_ end: CTCSSessionEnd) {
    actions.append(.close(end))
    isClosed = true
  }

  mutating func takeActions() -> [CTCSAction] {
    defer { actions = [] }
    return actions
  }
}
