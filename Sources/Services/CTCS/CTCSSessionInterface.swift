#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// What an in.ctcs session is told and what it asks its runtime to do. The session
/// (CTCSSession.swift) touches no descriptor, store or clock: the daemon hands it ctorrent's
/// bytes, the mesh's messages and the time, answers its questions to the store (CTCSBackend),
/// and carries out the actions in order.

/// When something happens, by two clocks: the monotonic one for intervals (the status requests,
/// the idle time, rate comparisons), Unix time for what the store keeps and the slow watch.
public struct CTCSTime: Equatable, Sendable {
  public static let nanosecondsPerSecond: UInt64 = 1_000_000_000

  /// Nanoseconds on the monotonic clock.
  public var monotonic: UInt64
  /// Seconds since the Unix epoch.
  public var unix: Int64

  public init(monotonic: UInt64, unix: Int64) {
    self.monotonic = monotonic
    self.unix = unix
  }
}

public struct CTCSSessionConfiguration: Sendable {
  /// The password a client must send (AUTH) before CTORRENT; nil: none is asked for.
  public var password: String?
  /// Seconds without a line from ctorrent before the conversation ends.
  public var idleSeconds: Int
  /// Seconds between SENDSTATUS requests: ctorrent reports nothing by itself while nothing
  /// changes.
  public var statusSeconds: Int
  /// How log lines name the client (its address and port).
  public var peer: String

  public init(password: String? = nil, idleSeconds: Int = 300, statusSeconds: Int = 10, peer: String = "the client") {
    self.password = password
    self.idleSeconds = idleSeconds
    self.statusSeconds = statusSeconds
    self.peer = peer
  }
}

public enum CTCSAction: Equatable, Sendable {
  /// A line for ctorrent.
  case send(ServerCommand)
  /// A CTSTATUS report, with the torrent's new state when it changed (one transaction).
  case recordStatus(torrent: Int64, TorrentStatus, state: TorrentState?)
  /// The rates and limits of CTBW reports (at most one write a second).
  case recordBandwidth(torrent: Int64, TorrentStatus)
  /// The torrent's last message: ctorrent's CTINFO, or why the slow watch nudged it.
  case recordMessage(torrent: Int64, String)
  case recordFiles(torrent: Int64, CTCSFileList)
  case recordPeers(torrent: Int64, [TorrentPeer])
  case recordOptions(torrent: Int64, [TorrentOption])
  case recordState(torrent: Int64, TorrentState)
  /// Join the in.ctcs mesh: commands for this torrent arrive there.
  case joinMesh
  case broadcast(CTCSMeshMessage)
  case log(CTCSLogLine)
  /// End the conversation (after the lines before this action); `finish` says what the store
  /// keeps of it.
  case close(CTCSSessionEnd)
  /// The client is gone: the torrent is no longer served here. STATE is its state from now on;
  /// nil when the queue runner decides: unchanged while the queue runner's ctorrent lives
  /// (only the connection was lost), else paused (a ctorrent started by hand left unfinished,
  /// and nothing may start it again behind its user's back).
  case release(torrent: Int64, state: TorrentState?)
  /// Run the queue: what is next may start now.
  case startQueueRunner
}

/// CTDETAIL's figures with the file list that followed.
public struct CTCSFileList: Equatable, Sendable {
  public var totalBytes: Int64
  public var pieceLength: Int64
  public var seedingSince: Int64
  public var files: [TorrentFile]

  public init(totalBytes: Int64, pieceLength: Int64, seedingSince: Int64, files: [TorrentFile]) {
    self.totalBytes = totalBytes
    self.pieceLength = pieceLength
    self.seedingSince = seedingSince
    self.files = files
  }
}

/// Why a conversation ended, for the exit status.
public enum CTCSSessionEnd: Equatable, Sendable {
  /// The client left or was refused, or was silent too long: exit 0.
  case normal
  /// A line longer than any ctorrent sends: EX_DATAERR.
  case malformedInput
  /// The store could not record the torrent: the store error's exit status.
  case storeFailed(exitCode: Int32)
}

public struct CTCSLogLine: Equatable, Sendable {
  public enum Level: Equatable, Sendable { case error, warning, notice, info, debug }
  public var level: Level
  public var message: String

  public init(_ level: Level, _ message: String) {
    self.level = level
    self.message = message
  }
}

/// The line's limits in bytes/s (0: none), from in.ctcs's arguments or the store's settings.
public struct CTCSLineLimits: Equatable, Sendable {
  public var download: Int64
  public var upload: Int64

  public init(download: Int64, upload: Int64) {
    self.download = download
    self.upload = upload
  }
}
