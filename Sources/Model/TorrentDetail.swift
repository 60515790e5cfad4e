/// Everything the web page shows about one torrent, read in one transaction: its queue row and
/// status, the CTDETAIL figures (0 until ctorrent sent them), and its files, peers and options.
public struct TorrentDetail: Hashable, Sendable {
  public var torrent: Torrent
  public var totalBytes: Int64
  public var pieceLength: Int64
  /// When it became complete (epoch seconds), 0 while it is not.
  public var seedingSince: Int64
  public var files: [TorrentFile]
  public var peers: [TorrentPeer]
  public var options: [TorrentOption]

  public init(
    torrent: Torrent, totalBytes: Int64, pieceLength: Int64, seedingSince: Int64, files: [TorrentFile],
    peers: [TorrentPeer], options: [TorrentOption]
  ) {
    self.torrent = torrent
    self.totalBytes = totalBytes
    self.pieceLength = pieceLength
    self.seedingSince = seedingSince
    self.files = files
    self.peers = peers
    self.options = options
  }
}
