import CLibc

/// One in.dns process: the zone it answers from, kept current between queries, and the two
/// ways queries arrive.
final class NameServer: DaemonProgram {
  static let standardInput: [StandardInput] = [.datagramSocket, .streamSocket]
  static let inetdLine = "dns dgram udp wait, dns stream tcp nowait"

  /// What start-up reads: the zone, and where it came from, to notice when that changes.
  struct Configuration {
    var zone: Zone
    var source: ZoneSource
  }

  static func load(_ options: NameServerOptions, log: Log) throws(StartupError) -> Configuration {
    var source = ZoneSource(options: options)
    let zone = try source.load()
    return Configuration(zone: zone, source: source)
  }

  static func describe(_ options: NameServerOptions, _ configuration: Configuration) -> String {
    let zone = configuration.zone
    var lines = [
      configuration.source.location, "serial \(zone.serial)", "idle \(options.idleSeconds)",
      "tcp-idle \(options.tcpIdleSeconds)", options.caps.description, "ttl \(zone.ttl)", "server-name \(zone.serverName)",
      "relay \(options.relay ? "yes" : "no")", "rate-limit \(options.rateLimit)", "slip \(options.slip)",
    ]
    for count in zone.addressCounts() {
      let counted = "\(count.names) names \(count.records) records"
      lines.append(count.domain.map { "domain \($0) \(counted)" } ?? "outside-local-domains \(counted)")
    }
    return lines.joined(separator: "\n")
  }

  static func serve(
    _ options: NameServerOptions, _ configuration: Configuration, on input: StandardInput?, log: Log
  ) -> Int32 {
    let blockFile = options.file == nil ? BlockFile(besideStore: Store.resolvePath(option: options.database)) : nil
    let server = NameServer(configuration, relay: options.relay, blockFile: blockFile, log: log)
    if input == .datagramSocket {
      let seed = Random.bytes(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      let limit = ResponseRateLimit(ratePerSecond: options.rateLimit, slip: options.slip, seed: seed)
      return server.serveDatagrams(idleSeconds: options.idleSeconds, limit: limit)
    }
    if case .refused = ConnectionSlot.take(program: "in.dns", caps: options.caps, log: log) {
      ConnectionSlot.refuse(with: [])
      return 0
    }
    return server.serveStream(idleSeconds: options.tcpIdleSeconds)
  }

  /// Our EDNS payload size: replies larger than this go over TCP rather than as fragmented
  /// datagrams.
  static let largestDatagram = Int(EDNSRequest.advertisedPayloadSize)

  private var zone: Zone
  private var source: ZoneSource
  /// The block list beside the store (none with -f) and what it answers, current as the zone is.
  private let blockFile: BlockFile?
  private var blocks: BlockList?
  private let relay: ((RelayQuestion) -> RelayAnswer)?
  private let log: Log
  /// The last reload failure, so a broken file or store is logged once, not every second.
  private var lastFailure: String?

  private init(_ configuration: Configuration, relay: Bool, blockFile: BlockFile?, log: Log) {
    zone = configuration.zone
    source = configuration.source
    self.blockFile = blockFile
    if relay {
      self.relay = SystemResolver.answer
    } else {
      self.relay = nil
    }
    self.log = log
  }

  /// With a broken store: SERVFAIL to each well-formed query until the socket is idle.
  static func unservedReplies(to datagram: Datagram) -> [DatagramReply] {
    Responder.serverFailure(to: datagram.bytes[...]).map { [DatagramReply(destination: datagram.source, bytes: $0)] } ?? []
  }

  /// inetd `wait`: every datagram until the socket has been idle for `idleSeconds`. Before
  /// each batch the data's version is checked (one cheap read), so an edit is answered from
  /// the next query on; replies pass the response rate limit.
  private func serveDatagrams(idleSeconds: Int, limit: ResponseRateLimit) -> Int32 {
    var limit = limit
    var now: Int64 = 0
    let service = DatagramService(idleSeconds: idleSeconds, log: log)
    return service.run(beforeEachBatch: {
      self.reloadIfChanged()
      now = Int64(time(nil))
    }) { datagram in
      guard
        var reply = Responder.respond(
          to: datagram.bytes[...], zone: self.zone, transport: .udp(maximum: NameServer.largestDatagram),
          relay: self.relay, blocks: self.blocks)
      else { return [] }
      let verdict: ResponseRateLimit.Verdict
      switch datagram.source {
      case .ipv4(let address, _): verdict = limit.verdict(for: reply, toIPv4: address, now: now)
      case .ipv6(let address, _, _): verdict = limit.verdict(for: reply, toIPv6: address, now: now)
      }
      switch verdict {
      case .send: break
      case .truncate: ResponseRateLimit.truncate(&reply)
      case .drop: return []
      }
      return [DatagramReply(destination: datagram.source, bytes: reply)]
    }
  }

  /// inetd `nowait`: length-framed queries on one connection until the peer closes or it has
  /// been idle for `idleSeconds`.
  private func serveStream(idleSeconds: Int) -> Int32 {
    var framer = TCPFramer()
    return StreamService(idleSeconds: idleSeconds, log: log).run { bytes in
      reloadIfChanged()
      let messages: [[UInt8]]
      do throws(TCPFramingError) {
        messages = try framer.feed(bytes)
      } catch {
        log.error("\(error); closing")
        return .replyAndClose([])
      }
      var output: [UInt8] = []
      for message in messages {
        guard let reply = Responder.respond(to: message[...], zone: zone, transport: .tcp, relay: relay, blocks: blocks) else {
          continue
        }
        output += TCPFramer.frame(reply)
      }
      return .reply(output)
    }
  }

  private func reloadIfChanged() {
    do throws(StartupError) {
      if let fresh = try source.zoneIfChanged() { zone = fresh }
      lastFailure = nil
    } catch {
      let failure = error.message
      if failure != lastFailure { log.error("\(failure); answering from the data read before") }
      lastFailure = failure
    }
    blockFile?.refresh(log: log)
    blocks = blockFile?.index.map { BlockList(index: $0, answer: zone.blockAnswer) }
  }
}
