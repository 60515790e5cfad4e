/// libFuzzer entry point, built by `Scripts/fuzz ctcs` together with Sources/Services/CTCS (it
/// belongs to no SwiftPM target). Every input goes to the line reader whole, byte by byte and
/// split at its middle (the three must give the same lines), each line to the message parser
/// in every protocol version, each line's words to the request parser (a command must stay
/// one line), the bytes to a session the same three ways (the same actions), and as a mesh
/// message (one that parses must read back from its own bytes); and the bytes as rates and
/// limits to the bandwidth plan, whose limits must stay within the line and every maximum.

func lines(_ chunks: [ArraySlice<UInt8>]) -> [String]? {
  var reader = CTCSLineReader()
  var lines: [String] = []
  for chunk in chunks {
    do throws(CTCSLineReader.LineTooLong) {
      lines += try reader.feed(chunk)
    } catch {
      return nil
    }
  }
  return lines
}

func checkLines(_ input: [UInt8]) {
  let whole = lines([input[...]])
  let single = lines(input.indices.map { input[$0...$0] })
  let half = input.count / 2
  let split = lines([input[..<half], input[half...]])
  guard whole == single, whole == split else { fatalError("line reader depends on how input is cut") }
  for line in whole ?? [] {
    for version in 1...3 { _ = try? ClientMessageParser.parse(line, protocolVersion: version) }
    if let command = TorrentRequest(words: line)?.command {
      let text = command.line
      guard text.hasSuffix("\r\n"), !text.dropLast(2).contains(where: { $0 == "\r" || $0 == "\n" }) else {
        fatalError("a request became more than one line: \(text)")
      }
    }
  }
}

/// A store with the client's torrent and another on a limited line.
struct FuzzBackend: CTCSBackend {
  mutating func identify(file: String, status: TorrentStatus) -> CTCSIdentification {
    .torrent(id: 1, paused: false, thresholds: .standard)
  }

  func torrents() -> [Torrent]? {
    [Torrent(id: 1, name: "a", metainfo: [], state: .running, position: 1, added: 0),
     Torrent(id: 2, name: "b", metainfo: [], state: .running, position: 2, added: 0)]
  }

  func lineLimits() -> CTCSLineLimits { CTCSLineLimits(download: 100 << 10, upload: 20 << 10) }
}

func actions(_ chunks: [ArraySlice<UInt8>]) -> [CTCSAction] {
  let now = CTCSTime(monotonic: 1 << 40, unix: 1_700_000_000)
  var session = CTCSSession(configuration: CTCSSessionConfiguration(), backend: FuzzBackend(), now: now)
  // Identified first, so the input's reports and the mesh message concern a torrent.
  var actions = session.start() + session.feed(Array("CTORRENT -CD0302-FUZZ 1 2 /t/1.torrent\n".utf8)[...], now: now)
  for chunk in chunks { actions += session.feed(chunk, now: now) }
  actions += session.meshMessage(Array(chunks.joined()), now: now)
  return actions + session.finish()
}

func checkSession(_ input: [UInt8]) {
  // An overlong line drops the lines that came with it in one read: cuts differ there by design.
  guard lines([input[...]]) != nil else { return }
  let whole = actions([input[...]])
  let half = input.count / 2
  guard whole == actions(input.indices.map { input[$0...$0] }), whole == actions([input[..<half], input[half...]]) else {
    fatalError("the session depends on how input is cut")
  }
  if let message = CTCSMeshMessage(input), CTCSMeshMessage(message.bytes) != message {
    fatalError("a mesh message does not read back from its bytes: \(message)")
  }
}

func checkPlan(_ input: [UInt8]) {
  guard input.count >= 4 else { return }
  let total = Int64(input[0]) << 10 + Int64(input[1]) << 2
  var demands: [BandwidthPlan.Demand] = []
  var index = 2
  while index + 3 < input.count && demands.count < 16 {
    let bytes = input[index..<(index + 4)].map(Int64.init)
    demands.append(
      BandwidthPlan.Demand(
        rate: bytes[0] << 10, limit: bytes[1] << 10, minimum: bytes[2] % 3 == 0 ? bytes[2] << 9 : nil,
        maximum: bytes[3] % 3 == 0 ? bytes[3] << 9 : nil, rising: bytes[0] & 1 == 1))
    index += 4
  }
  let limits = BandwidthPlan.allocate(total: total, among: demands)
  guard limits.count == demands.count else { fatalError("one limit per demand") }
  let smallest = BandwidthPlan.smallestLimit
  if total > Int64(demands.count) * smallest {
    guard limits.reduce(0, +) <= total else { fatalError("limits \(limits) exceed the line \(total)") }
    for (limit, demand) in zip(limits, demands) where limit > max(demand.maximum ?? total, smallest) || limit < smallest {
      fatalError("limit \(limit) outside its bounds for \(demand.rate) \(demand.limit)")
    }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  checkLines(input)
  checkSession(input)
  checkPlan(input)
  return 0
}
