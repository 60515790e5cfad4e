import CLibc

/// in.dhcp: the LAN's DHCPv4 server, started by inetd on the bootps socket (`dgram udp wait`).
/// One process answers a burst of requests and leaves after the idle period.
func runDHCPServer() -> Never {
  let synopsis = "[-d] [-i IDLE] [--db PATH | -c CONF [-l LEASES]] [--script PATH] [IFACE]... [BIND-ADDRESS]"
  let options: DHCPOptions
  do throws(UsageError) {
    options = try DHCPOptions(try Arguments(flags: ["d"], options: ["i", "db", "c", "l", "script"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .datagram, case .ipv4? = SocketAddress.local(of: 0) else {
    log.error("fd 0 is not an IPv4 datagram socket; run from inetd (bootps dgram udp4 wait)")
    exit(EX_NOINPUT)
  }
  // Replies to clients without an address are broadcasts.
  var on: Int32 = 1
  if setsockopt(0, SOL_SOCKET, SO_BROADCAST, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
    log.warning("cannot set SO_BROADCAST: \(String(cString: strerror(slug_errno())))")
  }
  // Requests keep arriving while a commit waits for the disk; a bigger receive buffer holds
  // them instead of dropping them (the kernel caps it at net.core.rmem_max).
  var receiveBuffer: Int32 = 1 << 20
  _ = setsockopt(0, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
  var leases = LeaseKeeper(options: options)
  var server: DHCPServer
  do throws(LeaseKeeperError) {
    server = try leases.load()
  } catch {
    log.error(error.description)
    exit(error.exitCode)
  }
  let script = options.script.map { LeaseScript(path: $0, log: log) }
  var interfaces = InterfaceNames()
  let service = DatagramService(socket: 0, idleSeconds: options.idleSeconds, log: log)
  let status = service.runBatches(
    tickSeconds: 2,
    onTick: {
      do throws(LeaseKeeperError) {
        if let reloaded = try leases.reloadIfChanged() { server = reloaded }
      } catch {
        log.error("\(error.description); keeping the configuration loaded before")
      }
    },
    { datagrams in
      let now = Int64(time(nil))
      var answers: [(reply: DHCPReply, datagram: Datagram)] = []
      var changes: [DHCPLeaseChange] = []
      for datagram in datagrams {
        let request: DHCPMessage
        do throws(DHCPDecodeError) {
          request = try DHCPMessage.decode(datagram.bytes[...])
        } catch {
          log.warning("dropped \(datagram.bytes.count) bytes from \(datagram.source): \(error)")
          continue
        }
        let outcome = server.handle(request, arrival: interfaces.arrival(of: datagram), now: now)
        switch outcome.severity {
        case .debug: log.debug(outcome.log)
        case .info: log.info(outcome.log)
        case .notice: log.notice(outcome.log)
        case .warning: log.warning(outcome.log)
        }
        changes += outcome.changes
        if let reply = outcome.reply { answers.append((reply, datagram)) }
      }
      if !changes.isEmpty {
        do throws(LeaseKeeperError) {
          try leases.commit(changes, server: server, now: now)
        } catch {
          // Nothing of this batch was promised yet; a new process starts from what is stored.
          log.error("\(error.description); no reply sent for \(datagrams.count) requests")
          exit(error.exitCode)
        }
        script?.announce(changes)
      }
      return answers.map { datagramReply($0.reply, to: $0.datagram) }
    })
  exit(status)
}

/// Interface names by index, looked up once per process (each lookup is a socket and an ioctl).
struct InterfaceNames {
  private var names: [Int32: String?] = [:]

  /// Where a request came in: the interface by IP_PKTINFO's index, the local address.
  mutating func arrival(of datagram: Datagram) -> DHCPArrival {
    var local: UInt32 = 0
    if case .ipv4(let address, _) = datagram.localAddress { local = address }
    let index = datagram.interfaceIndex
    if names[index] == nil { names[index] = .some(Interfaces.name(ofIndex: index)) }
    return DHCPArrival(interface: names[index] ?? nil, localAddress: local)
  }
}

/// RFC 2131 §4.1 within what a socket from inetd can do: relays and clients with an address
/// get unicast; a client without one gets a broadcast on the link the request came from (a
/// unicast to an address that has no ARP entry yet cannot be delivered without raw sockets).
/// When the link is unknown (a request queued before IP_PKTINFO was on), the subnet's
/// directed broadcast finds it through the routing table.
func datagramReply(_ reply: DHCPReply, to datagram: Datagram) -> DatagramReply {
  // Without packet info the local address is a guess from the routing table; the interface's
  // own address, or none (the kernel picks), is safer.
  var source = reply.ownAddress ?? 0
  if datagram.interfaceIndex != 0, case .ipv4(let address, _) = datagram.localAddress { source = address }
  let bytes = reply.encoded()
  switch reply.destination {
  case .relay(let relay):
    return DatagramReply(destination: .ipv4(address: relay, port: 67), bytes: bytes)
  case .client(let address):
    return DatagramReply(destination: .ipv4(address: address, port: 68), bytes: bytes, sourceIPv4: source)
  case .broadcast:
    var index = datagram.interfaceIndex
    if index == 0 { index = Interfaces.index(ofName: reply.interface) }
    if index == 0 {
      return DatagramReply(destination: .ipv4(address: reply.broadcastAddress, port: 68), bytes: bytes)
    }
    return DatagramReply(
      destination: .ipv4(address: 0xFFFF_FFFF, port: 68), bytes: bytes, interfaceIndex: index, sourceIPv4: source)
  }
}

/// The command line, checked: every problem is a usage error (exit 64) before fd 0 is touched.
struct DHCPOptions {
  var program: String
  var debug: Bool
  var idleSeconds: Int
  var database: String?
  var configFile: String?
  var leaseFile: String?
  var script: String?
  /// The interfaces to serve; empty means every interface the store configures.
  var interfaces: [String]
  /// The original's second operand: the server's address when the file names none.
  var bindAddress: UInt32?

  init(_ arguments: Arguments) throws(UsageError) {
    program = arguments.program
    debug = arguments.has("d")
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? 30
    database = arguments.value("db")
    configFile = arguments.value("c")
    leaseFile = arguments.value("l")
    script = arguments.value("script")
    interfaces = arguments.operands
    if configFile != nil {
      guard database == nil else { throw UsageError("--db and -c are alternatives; give one") }
      guard (1...2).contains(interfaces.count) else {
        throw UsageError("-c needs the interface, and optionally the server's address, as operands")
      }
      if interfaces.count == 2 {
        guard let address = IPv4Address(interfaces[1]) else {
          throw UsageError("'\(interfaces[1])' is not an IPv4 address")
        }
        bindAddress = address.value
        interfaces.removeLast()
      }
      if leaseFile == nil { leaseFile = "/tmp/in.dhcp.leases.\(interfaces[0])" }
    } else if leaseFile != nil {
      throw UsageError("-l goes with -c; the store keeps the leases otherwise")
    }
    for name in interfaces {
      guard (1...15).contains(name.utf8.count), !name.utf8.contains(UInt8(ascii: "/")) else {
        throw UsageError("'\(name)' is not an interface name")
      }
    }
  }
}

runDHCPServer()
