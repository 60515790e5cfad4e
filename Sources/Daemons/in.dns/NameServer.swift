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
      "relay \(options.relay ? "yes" : "no")",
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
    let server = NameServer(configuration, relay: options.relay, log: log)
    if input == .datagramSocket { return server.serveDatagrams(idleSeconds: options.idleSeconds) }
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
  private let relay: ((RelayQuestion) -> RelayAnswer)?
  private let log: Log
  /// The last reload failure, so a broken file or store is logged once, not every second.
  private var lastFailure: String?

  private init(_ configuration: Configuration, relay: Bool, log: Log) {
    zone = configuration.zone
    source = configuration.source
    if relay {
      self.relay = SystemResolver.answer
    } else {
      self.relay = nil
    }
    self.log = log
  }

  /// inetd `wait`: every datagram until the socket has been idle for `idleSeconds`; the data
  /// is checked for changes at most once a second, between batches.
  private func serveDatagrams(idleSeconds: Int) -> Int32 {
    DatagramService(idleSeconds: idleSeconds, log: log).run(tickSeconds: 1, onTick: { self.reloadIfChanged() }) {
      datagram in
      guard
        let reply = Responder.respond(
          to: datagram.bytes[...], zone: self.zone, transport: .udp(maximum: NameServer.largestDatagram),
          relay: self.relay)
      else { return [] }
      return [DatagramReply(destination: datagram.source, bytes: reply)]
    }
  }

  /// inetd `nowait`: length-framed queries on one connection until the peer closes or it has
  /// been idle for `idleSeconds`.
  private func serveStream(idleSeconds: Int) -> Int32 {
    var framer = TCPFramer()
    var nextCheck = Deadline.after(seconds: 1)
    return StreamService(idleSeconds: idleSeconds, log: log).run { bytes in
      if Deadline.now() >= nextCheck {
        reloadIfChanged()
        nextCheck = .after(seconds: 1)
      }
      let messages: [[UInt8]]
      do throws(TCPFramingError) {
        messages = try framer.feed(bytes)
      } catch {
        log.error("\(error); closing")
        return .replyAndClose([])
      }
      var output: [UInt8] = []
      for message in messages {
        guard let reply = Responder.respond(to: message[...], zone: zone, transport: .tcp, relay: relay) else {
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
  }
}
