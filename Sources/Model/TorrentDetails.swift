/// What a running torrent's ctorrent reported in its blocks (CTFILE, CTPEER, CTCONFIG): the
/// in.ctcs parser produces these, the store keeps the last of each, the web page shows them.

/// One file of a torrent (CTFILE): `priority` is its group in ctorrent's `-n` download order.
public struct TorrentFile: Hashable, Sendable {
  public var number: Int64
  public var priority: Int64
  public var pieces: Int64
  public var piecesHave: Int64
  public var piecesAvailable: Int64
  public var size: Int64
  public var name: String

  public init(
    number: Int64, priority: Int64, pieces: Int64, piecesHave: Int64, piecesAvailable: Int64, size: Int64,
    name: String
  ) {
    self.number = number
    self.priority = priority
    self.pieces = pieces
    self.piecesHave = piecesHave
    self.piecesAvailable = piecesAvailable
    self.size = size
    self.name = name
  }
}

/// One connected peer (CTPEER); `flags`: they choke us (C/U), we are interested (i/n), we
/// choke them, they are interested.
public struct TorrentPeer: Hashable, Sendable {
  public var peerID: String
  public var address: String
  public var flags: String
  public var downloadRate: Int64
  public var uploadRate: Int64
  public var downloaded: Int64
  public var uploaded: Int64
  public var piecesHave: Int64

  public init(
    peerID: String, address: String, flags: String, downloadRate: Int64, uploadRate: Int64, downloaded: Int64,
    uploaded: Int64, piecesHave: Int64
  ) {
    self.peerID = peerID
    self.address = address
    self.flags = flags
    self.downloadRate = downloadRate
    self.uploadRate = uploadRate
    self.downloaded = downloaded
    self.uploaded = uploaded
    self.piecesHave = piecesHave
  }
}

/// One of ctorrent's options (CTCONFIG): kind B, F, I or S; range `0`, `min-max` or a length.
public struct TorrentOption: Hashable, Sendable {
  public var name: String
  public var kind: String
  public var range: String
  public var value: String
  public var summary: String
  public var help: String

  public init(name: String, kind: String, range: String, value: String, summary: String, help: String) {
    self.name = name
    self.kind = kind
    self.range = range
    self.value = value
    self.summary = summary
    self.help = help
  }
}
