/// libFuzzer entry point, built by `Scripts/fuzz dns` together with Sources/Services/DNS (it
/// belongs to no SwiftPM target). Every input is a query to the responder over UDP and TCP,
/// with and without recursion; a query to forward is then the forwarder's (the input is also
/// taken as an upstream's answer to it), and a byte stream for the TCP framer; AddressSanitizer and the
/// stdlib's own checks catch memory faults, the checks below the broken promises.

enum FuzzZone {
  static let zone: Zone = {
    var zone = Zone(ttl: 60, localDomains: ["home", "lan"], serverName: "slug.home")
    zone.add(name: "slug.home", ipv4: 0xC0A8_0001)
    zone.add(name: "nas.home", ipv4: 0xC0A8_0001)
    zone.add(name: "tv.lounge.home", ipv4: 0xC0A8_0033)
    zone.add(name: "nas.home", ipv6: [0xFD] + Array(repeating: 0, count: 14) + [1])
    zone.add(name: "box.example.org", ipv4: 0x0A00_0005)
    for host in 0..<40 { zone.add(name: "many.home", ipv4: 0x0A01_0000 + UInt32(host)) }
    return zone
  }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  var buffer: [UInt8] = []
  for transport in [Transport.udp(maximum: 512), .udp(maximum: 4096), .tcp] {
    for recursion in [false, true] {
      let outcome = Responder.respond(
        to: input[...], zone: FuzzZone.zone, transport: transport, recursionAvailable: recursion, into: &buffer)
      if outcome == .forward {
        guard let query = ForwardedQuery(query: input[...]) else { fatalError("a query to forward that does not parse") }
        _ = query.check(input[...], id: 0x1234)
        if query.upstreamQuery(id: 7).count < 12 + query.question.count { fatalError("a short upstream query") }
        buffer = query.reply(from: input[...], transport: transport)
      }
      guard outcome != .drop else { continue }
      let limit: Int
      switch transport {
      case .udp(let maximum): limit = maximum
      case .tcp: limit = 65535
      }
      if buffer.count < 12 || buffer.count > limit || buffer.prefix(2) != input.prefix(2) || buffer[2] & 0x80 == 0 {
        fatalError("bad reply of \(buffer.count) bytes to a query of \(input.count)")
      }
    }
  }
  var framer = TCPFramer()
  let middle = input.count / 2
  var framed = 0
  do {
    framed += try framer.feed(input[..<middle]).reduce(0) { $0 + 2 + $1.count }
    framed += try framer.feed(input[middle...]).reduce(0) { $0 + 2 + $1.count }
    if framed + framer.bufferedCount != input.count { fatalError("the framer lost bytes") }
  } catch {
    // A zero-length prefix: the stream is rejected, as it should be.
  }
  return 0
}
