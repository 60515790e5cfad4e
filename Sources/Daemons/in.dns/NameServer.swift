import CLibc

/// One in.dns process: the zone it answers from, kept current between queries, and the two
/// ways queries arrive.
final class NameServer {
  /// Our EDNS payload size (RFC 6891, the DNS flag day 2020 value): replies larger than this
  /// go over TCP rather than as fragmented datagrams.
  static let largestDatagram = 1232

  private var zone: Zone
  private var source: ZoneSource
  private let relay: ((RelayQuestion) -> RelayAnswer)?
  private let log: Log
  /// The last reload failure, so a broken file or store is logged once, not every second.
  private var lastFailure: String?

  init(zone: Zone, source: ZoneSource, relay: Bool, log: Log) {
    self.zone = zone
    self.source = source
    if relay {
      self.relay = SystemResolver.answer
    } else {
      self.relay = nil
    }
    self.log = log
  }

  /// inetd `wait`: every datagram until the socket has been idle for `idleSeconds`; the data
  /// is checked for changes at most once a second, between batches.
  func serveDatagrams(idleSeconds: Int) -> Int32 {
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
  func serveStream(idleSeconds: Int) -> Int32 {
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
    do throws(ZoneSourceError) {
      if let fresh = try source.zoneIfChanged() { zone = fresh }
      lastFailure = nil
    } catch {
      let failure = error.description
      if failure != lastFailure { log.error("\(failure); answering from the data read before") }
      lastFailure = failure
    }
  }
}
