import CLibc

/// One in.dns process: the zone it answers from, kept current between queries, and the two
/// ways queries arrive.
final class NameServer: DatagramDaemonProgram {
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
      "forward \(options.forwarding ? "yes" : "no")", "cache-size \(options.forwarding && options.file == nil ? options.cacheBytes : 0)", "rate-limit \(options.rateLimit)", "slip \(options.slip)",
    ]
    if options.forwarding {
      var resolvConf: [SocketAddress]?
      let (servers, complaint) = Upstreams.choose(
        given: options.upstreams, setting: configuration.source.upstreamsSetting, resolvConfs: options.resolvConfs,
        cache: &resolvConf)
      lines.append("upstreams " + (servers.isEmpty ? "none" : servers.map { $0.description }.joined(separator: " ")))
      if let complaint { lines.append("# " + complaint) }
      lines.append("allow " + ((try? AllowList(allowing: options.allowed))?.ranges.map { $0.description }.joined(separator: " ") ?? ""))
    }
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
    let server = NameServer(configuration, options: options, blockFile: blockFile, log: log)
    // The cache is the store's (none with -f): every in.dns of one store shares it.
    if options.forwarding, options.cacheBytes > 0, options.file == nil {
      let storeHash = StorePathHash.digits(of: Store.resolvePath(option: options.database))
      server.hooks = .caching(name: DNSCache.objectName(storeHash: storeHash), bytes: options.cacheBytes, log: log)
    }
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

  private(set) var zone: Zone
  private var source: ZoneSource
  let options: NameServerOptions
  let log: Log
  /// The block list beside the store (none with -f) and what it answers, current as the zone is.
  private let blockFile: BlockFile?
  private var blocks: BlockList?
  /// The last reload failure, so a broken file or store is logged once, not every second.
  private var lastFailure: String?
  /// The block list and the cache, around forwarding.
  var hooks = ForwardingHooks()
  /// Who may ask for outside names; read from the interfaces when first needed.
  private var allowList: AllowList?
  /// resolv.conf's servers, read when first needed.
  private var systemUpstreams: [SocketAddress]?
  /// Logged once: no server to forward to, or words of the setting that name none.
  private var upstreamComplaint: String?

  private init(_ configuration: Configuration, options: NameServerOptions, blockFile: BlockFile?, log: Log) {
    zone = configuration.zone
    source = configuration.source
    self.options = options
    self.blockFile = blockFile
    self.log = log
  }

  /// With a broken store: SERVFAIL to each well-formed query until the socket is idle.
  static func unservedReplies(to datagram: Datagram) -> [DatagramReply] {
    Responder.serverFailure(to: datagram.bytes[...]).map { [DatagramReply(destination: datagram.source, bytes: $0)] } ?? []
  }

  /// inetd `nowait`: length-framed queries on one connection until the peer closes or it has
  /// been idle for `idleSeconds`; forwarded ones go upstream over TCP, one at a time.
  private func serveStream(idleSeconds: Int) -> Int32 {
    var framer = TCPFramer()
    let client = SocketAddress.peer(of: 0)
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
        switch decide(message[...], from: client, transport: .tcp) {
        case .drop: continue
        case .reply(let reply): output += TCPFramer.frame(reply)
        case .forward(let query, let servers):
          var exchange = UpstreamExchange(query: query, servers: servers, overTCP: true)
          output += TCPFramer.frame(finish(exchange.waitForAnswer(), of: query, transport: .tcp))
        }
      }
      return .reply(output)
    }
  }

  /// What to do with one query.
  enum Decision {
    case drop
    case reply([UInt8])
    /// Ask these servers.
    case forward(ForwardedQuery, [SocketAddress])
  }

  /// The order of decisions (docs/design.md, "DNS"): local data, to anyone; then, for an outside
  /// name, REFUSED to a client outside the allowed networks, the block list, the cache, and
  /// last the upstream servers (SERVFAIL when there are none).
  func decide(_ message: ArraySlice<UInt8>, from client: SocketAddress?, transport: Transport) -> Decision {
    var reply: [UInt8] = []
    switch Responder.respond(
      to: message, zone: zone, transport: transport, recursionAvailable: options.forwarding, blocks: blocks,
      into: &reply)
    {
    case .drop: return .drop
    case .reply: return .reply(reply)
    case .forward: break
    }
    guard mayRecurse(client), let query = ForwardedQuery(query: message) else {
      return Responder.respond(to: message, zone: zone, transport: transport, blocks: blocks).map(Decision.reply) ?? .drop
    }
    // The block list was consulted by Responder: a blocked name never comes this far.
    // The shared cache: a fresh answer there needs no upstream.
    if let cached = hooks.cached(query, transport) { return .reply(cached) }
    let servers = upstreams()
    guard !servers.isEmpty else { return .reply(query.serverFailure()) }
    return .forward(query, servers)
  }

  /// The client's reply to a forwarded question: from the upstream's answer, or SERVFAIL.
  func finish(_ answer: [UInt8]?, of query: ForwardedQuery, transport: Transport) -> [UInt8] {
    guard let answer else { return query.serverFailure() }
    // Into the shared cache, for every in.dns of the store.
    hooks.insert(query, answer)
    return query.reply(from: answer[...], transport: transport)
  }

  private func mayRecurse(_ client: SocketAddress?) -> Bool {
    if allowList == nil { allowList = try? AllowList(allowing: options.allowed) }
    return allowList?.allows(client) ?? false
  }

  /// The servers to ask now; what is wrong with them is logged once, until it changes.
  func upstreams() -> [SocketAddress] {
    let (servers, complaint) = Upstreams.choose(
      given: options.upstreams, setting: source.upstreamsSetting, resolvConfs: options.resolvConfs, cache: &systemUpstreams)
    if let complaint, complaint != upstreamComplaint { log.error(complaint) }
    upstreamComplaint = complaint
    return servers
  }

  func reloadIfChanged() {
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
