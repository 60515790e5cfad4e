/// libFuzzer entry point, built by `Scripts/fuzz ctcs` together with Sources/Services/CTCS (it
/// belongs to no SwiftPM target). Every input goes to the line reader whole, byte by byte and
/// split at its middle (the three must give the same lines), each line to the message parser
/// in every protocol version, each line's words to the command parser (a command must stay
/// one line), and the bytes as rates and limits to the bandwidth plan, whose limits must stay
/// within the line and every maximum.

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
    if let command = ServerCommand(request: line) {
      let text = command.line
      guard text.hasSuffix("\r\n"), !text.dropLast(2).contains(where: { $0 == "\r" || $0 == "\n" }) else {
        fatalError("a request became more than one line: \(text)")
      }
    }
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
  checkPlan(input)
  return 0
}
