#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Model
#endif

/// Decodes the lines Enhanced CTorrent dnh3.3.2 sends (its ctcs.cpp). The message type is the
/// first word; a type this server does not know yields nil, so a newer client's extra messages
/// are ignored rather than fatal. A known message with bad fields is an error naming the line.
public enum ClientMessageParser {
  /// `protocolVersion` is what the two sides agreed on (3 unless the client asked for less):
  /// it decides the CTFILE layout, where a file name with spaces hides the field count.
  public static func parse(_ line: String, protocolVersion: Int = 3) throws(CTCSParseError) -> ClientMessage? {
    var fields = Fields(line)
    guard let type = fields.word() else { return nil }
    func fail(_ reason: String) -> CTCSParseError { CTCSParseError(line: line, reason: reason) }
    switch type {
    case "PROTOCOL":
      guard let version = fields.number(), fields.isAtEnd, (0...9999).contains(version) else {
        throw fail("PROTOCOL needs a version number")
      }
      return .protocolVersion(Int(version))
    case "AUTH":
      return .auth(password: fields.rest())
    case "CTORRENT":
      guard let peerID = fields.word(), let started = fields.number(), let now = fields.number() else {
        throw fail("CTORRENT needs a peer id, two times and a file")
      }
      let file = fields.rest()
      guard !file.isEmpty else { throw fail("CTORRENT names no torrent file") }
      return .torrent(peerID: peerID, started: started, now: now, file: file)
    case "CTSTATUS":
      guard let status = status(&fields) else { throw fail("CTSTATUS fields do not parse") }
      return .status(status)
    case "CTBW":
      guard let rates = fields.numbers(","), rates.count == 2, let limits = fields.numbers(","),
        limits.count == 2, fields.isAtEnd
      else { throw fail("CTBW needs rates and limits (d,u d,u)") }
      return .bandwidth(downloadRate: rates[0], uploadRate: rates[1], downloadLimit: limits[0], uploadLimit: limits[1])
    case "CTINFO":
      let text = fields.rest()
      if let first = text.split(separator: " ", maxSplits: 1).first, first.count == 1,
        let severity = Int(first), (1...9).contains(severity)
      {
        return .info(severity: severity, text: String(text.dropFirst(2)))
      }
      return .info(severity: nil, text: text)
    case "CTDETAIL":
      guard let total = fields.number(), let pieceLength = fields.number(), let now = fields.number(),
        let seeding = fields.number(), fields.isAtEnd
      else { throw fail("CTDETAIL needs four numbers") }
      return .detail(totalBytes: total, pieceLength: pieceLength, now: now, seedingSince: seeding)
    case "CTFILESTART", "CTFILES":
      return .filesStart
    case "CTFILESDONE", "CTFDONE":
      return .filesEnd
    case "CTFILE":
      guard let file = file(&fields, protocolVersion: protocolVersion) else { throw fail("CTFILE fields do not parse") }
      return .file(file)
    case "CTPEERSTART", "CTPEERS":
      return .peersStart
    case "CTPEERSDONE", "CTPDONE":
      return .peersEnd
    case "CTPEER":
      guard let peerID = fields.word(), let address = fields.word(), let flags = fields.word(), flags.utf8.count == 4,
        let downloadRate = fields.number(), let uploadRate = fields.number(), let downloaded = fields.number(),
        let uploaded = fields.number(), let pieces = fields.number(), fields.isAtEnd
      else { throw fail("CTPEER fields do not parse") }
      return .peer(
        TorrentPeer(
          peerID: peerID, address: address, flags: flags, downloadRate: downloadRate, uploadRate: uploadRate,
          downloaded: downloaded, uploaded: uploaded, piecesHave: pieces))
    case "CTCONFIGSTART":
      return .configStart
    case "CTCONFIGDONE":
      return .configEnd
    case "CTCONFIG":
      guard let name = fields.word(), let kind = fields.word(), ["B", "F", "I", "S"].contains(kind),
        let range = fields.word(), let value = fields.counted(), let summary = fields.counted(),
        let help = fields.counted()
      else { throw fail("CTCONFIG option fields do not parse") }
      return .config(TorrentOption(name: name, kind: kind, range: range, value: value, summary: summary, help: help))
    default:
      return nil
    }
  }

  /// Protocol 2 and 3 (`s:ts/l:tl/c h/t/a d,u D,U D,U cache`) or protocol 1 (`s/l h/t/a d,u
  /// D,U D,U`), told apart by the shape of the first field.
  private static func status(_ fields: inout Fields) -> ReportedStatus? {
    guard let peers = fields.word(), let pieces = fields.numbers("/"), pieces.count == 3,
      let rates = fields.numbers(","), rates.count == 2, let totals = fields.numbers(","), totals.count == 2,
      let limits = fields.numbers(","), limits.count == 2
    else { return nil }
    var status = ReportedStatus()
    let groups = peers.split(separator: "/", omittingEmptySubsequences: false)
    if peers.contains(":") {
      guard groups.count == 3, let seeders = pair(groups[0]), let leechers = pair(groups[1]),
        let connecting = Int64(groups[2]), let cache = fields.number()
      else { return nil }
      (status.seeders, status.trackerSeeders) = seeders
      (status.leechers, status.trackerLeechers) = leechers
      status.connecting = connecting
      status.cacheUsedKB = cache
    } else {
      guard groups.count == 2, let seeders = Int64(groups[0]), let leechers = Int64(groups[1]) else { return nil }
      status.seeders = seeders
      status.leechers = leechers
    }
    guard fields.isAtEnd else { return nil }
    (status.piecesHave, status.piecesTotal, status.piecesAvailable) = (pieces[0], pieces[1], pieces[2])
    (status.downloadRate, status.uploadRate) = (rates[0], rates[1])
    (status.downloaded, status.uploaded) = (totals[0], totals[1])
    (status.downloadLimit, status.uploadLimit) = (limits[0], limits[1])
    return status
  }

  private static func pair(_ text: Substring) -> (Int64, Int64)? {
    let parts = text.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count == 2, let first = Int64(parts[0]), let second = Int64(parts[1]) else { return nil }
    return (first, second)
  }

  /// 3: `n priority current pieces have avail size name` (the group downloading now is not
  /// kept); 2: `n pieces have avail size name`; 1: `n pieces have size name`.
  private static func file(_ fields: inout Fields, protocolVersion: Int) -> TorrentFile? {
    let count = protocolVersion >= 3 ? 7 : protocolVersion == 2 ? 5 : 4
    var numbers: [Int64] = []
    for _ in 0..<count {
      guard let number = fields.number() else { return nil }
      numbers.append(number)
    }
    let name = fields.rest()
    guard !name.isEmpty else { return nil }
    switch protocolVersion {
    case 3...:
      return TorrentFile(
        number: numbers[0], priority: numbers[1], pieces: numbers[3], piecesHave: numbers[4],
        piecesAvailable: numbers[5], size: numbers[6], name: name)
    case 2:
      return TorrentFile(
        number: numbers[0], priority: 0, pieces: numbers[1], piecesHave: numbers[2], piecesAvailable: numbers[3],
        size: numbers[4], name: name)
    default:
      return TorrentFile(
        number: numbers[0], priority: 0, pieces: numbers[1], piecesHave: numbers[2], piecesAvailable: 0,
        size: numbers[3], name: name)
    }
  }
}

/// A cursor over a line's space-separated fields.
private struct Fields {
  private var remaining: Substring

  init(_ line: String) { remaining = line[...] }

  var isAtEnd: Bool { remaining.allSatisfy { $0 == " " } }

  mutating func word() -> String? {
    remaining = remaining.drop { $0 == " " }
    guard !remaining.isEmpty else { return nil }
    let word = remaining.prefix { $0 != " " }
    remaining = remaining.dropFirst(word.count)
    return String(word)
  }

  /// A non-negative decimal number; ctorrent never sends a sign.
  mutating func number() -> Int64? {
    guard let word = word() else { return nil }
    return Fields.decimal(word[...])
  }

  /// A word of numbers joined by `separator` ("30000,1000").
  mutating func numbers(_ separator: Character) -> [Int64]? {
    guard let word = word() else { return nil }
    var numbers: [Int64] = []
    for part in word.split(separator: separator, omittingEmptySubsequences: false) {
      guard let number = Fields.decimal(part) else { return nil }
      numbers.append(number)
    }
    return numbers
  }

  /// `len:text`, where text is exactly len bytes and may hold spaces.
  mutating func counted() -> String? {
    let bytes = Array(remaining.drop { $0 == " " }.utf8)
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon <= 9,
      let length = Fields.decimal(Substring(String(decoding: bytes[..<colon], as: UTF8.self))),
      bytes.count - (colon + 1) >= length
    else { return nil }
    let end = colon + 1 + Int(length)
    remaining = Substring(String(decoding: bytes[end...], as: UTF8.self))
    return String(decoding: bytes[(colon + 1)..<end], as: UTF8.self)
  }

  /// Everything after the next separator, as sent.
  mutating func rest() -> String {
    let text = remaining.first == " " ? remaining.dropFirst() : remaining
    remaining = ""
    return String(text)
  }

  private static func decimal(_ text: Substring) -> Int64? {
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int64(text)
  }
}
