import CLibc

/// One in.dhcp process: answers each batch of requests from the server state, commits the
/// lease changes before any reply leaves, and runs the lease script after.
enum LeaseServer: DatagramDaemonProgram {
  static let standardInput: [StandardInput] = [.datagramSocket]
  static let inetdLine = "bootps dgram udp4 wait"
  /// Requests keep arriving while a commit waits for the disk; a bigger receive buffer holds
  /// them instead of dropping them (the kernel caps it at net.core.rmem_max).
  static let receiveBufferBytes: Int32 = 1 << 20

  /// What start-up reads: the server built from the configuration and the stored leases, and
  /// where they came from, to notice changes and to commit to.
  struct Configuration {
    var server: DHCPServer
    var leases: LeaseKeeper
  }

  /// Leases are by IPv4 address and replies broadcast over IPv4: a dual-stack socket is refused.
  static func standardInputProblem(_ input: StandardInput) -> String? {
    guard case .ipv4? = SocketAddress.local(of: 0) else {
      return "fd 0 is not an IPv4 datagram socket; run from inetd (\(inetdLine))"
    }
    return nil
  }

  static func load(_ options: DHCPOptions, log: Log) throws(StartupError) -> Configuration {
    var leases = LeaseKeeper(options: options)
    let server = try leases.load()
    return Configuration(server: server, leases: leases)
  }

  static func describe(_ options: DHCPOptions, _ configuration: Configuration) -> String {
    var lines = [
      configuration.leases.location, "lease-file \(options.leaseFile ?? "none (the store keeps the leases)")",
      "script \(options.script ?? "none")", "idle \(options.idleSeconds)",
    ]
    let now = Int64(time(nil))
    for subnet in configuration.server.subnets {
      let leases = configuration.server.tables[subnet.interface]?.byAddress.values ?? [:].values
      let active = leases.filter { $0.state == .active && $0.holds(at: now) }.count
      lines += (SubnetPrintout.lines(subnet) + ["active-leases \(active)"]).map { "interface \(subnet.interface) \($0)" }
    }
    return lines.joined(separator: "\n")
  }

  static func serve(_ options: DHCPOptions, _ configuration: Configuration, on input: StandardInput?, log: Log) -> Int32 {
    // Replies to clients without an address are broadcasts.
    var on: Int32 = 1
    if setsockopt(0, SOL_SOCKET, SO_BROADCAST, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
      log.warning("cannot set SO_BROADCAST: \(String(cString: strerror(slug_errno())))")
    }
    var receiveBuffer = receiveBufferBytes
    _ = setsockopt(0, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
    var server = configuration.server
    var leases = configuration.leases
    let script = options.script.map { LeaseScript(path: $0, log: log) }
    var interfaces = InterfaceNames()
    let service = DatagramService(socket: 0, idleSeconds: options.idleSeconds, log: log)
    var lastFailure: String?
    return service.runBatches { datagrams in
      // Another process's commit (slugctl, another in.dhcp) changes the store's data version:
      // one cheap read per batch, so an edit holds from the next request on.
      do throws(StartupError) {
        if let reloaded = try leases.reloadIfChanged() { server = reloaded }
        lastFailure = nil
      } catch {
        if error.message != lastFailure { log.error("\(error.message); keeping the configuration loaded before") }
        lastFailure = error.message
      }
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
        do throws(StartupError) {
          try leases.commit(changes, server: server, now: now)
        } catch {
          // Nothing of this batch was promised yet; a new process starts from what is stored.
          log.error("\(error.message); no reply sent for \(datagrams.count) requests")
          exit(error.exitCode)
        }
        script?.announce(changes)
      }
      return answers.map { ReplyRouting.datagram($0.reply, answering: $0.datagram) }
    }
  }
}
