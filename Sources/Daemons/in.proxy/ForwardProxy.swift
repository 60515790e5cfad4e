/// Serves what inetd hands over: under `nowait` one client connection; under `wait` the
/// listening socket, whose connections forked workers accept and serve one after another.
enum ForwardProxy: DaemonProgram {
  static let standardInput: [StandardInput] = [.streamSocket]
  static let inetdLine = "webcache stream tcp wait, or nowait"

  /// The machine's own addresses, which no request may reach, read once: a listener's
  /// workers inherit them.
  static func load(_ options: ProxyOptions, log: Log) throws(StartupError) -> DestinationPolicy {
    DestinationPolicy(machine: .read(), opened: options.openedDestinations)
  }

  static func describe(_ options: ProxyOptions, _ policy: DestinationPolicy) -> String {
    var lines = ["idle \(options.idleSeconds)", "timeout \(options.timeoutSeconds)"]
    lines += options.allowed.ranges.map { "allow \($0.description)" }
    lines += policy.opened.map { "allow-destination \($0.description)" }
    lines += policy.machine.addresses.map { "own-address \($0.host)" }
    lines += options.connectPorts.map { "connect-port \($0)" }
    lines += ["worker-idle \(options.listenerIdleSeconds)", "max-clients \(options.maximumClients)", "max-per-source \(options.caps.perSource)"]
    return lines.joined(separator: "\n")
  }

  static func serve(_ options: ProxyOptions, _ policy: DestinationPolicy, on input: StandardInput?, log: Log) -> Int32 {
    guard ListenerService.isListening(0) else { return serveOne(options, policy, log: log) }
    let listener = ListenerService(idleSeconds: options.listenerIdleSeconds, maximumWorkers: options.maximumClients, log: log)
    return listener.run { serveOne(options, policy, log: log) }
  }

  /// One client connection on fd 0, within the caps. A worker serves many in turn and gives
  /// each slot back; the kernel gives it back if the worker dies. Under `wait` the total is the
  /// workers themselves (past them a connection waits to be accepted), so the set's total
  /// never refuses there and only the per-source cap does.
  static func serveOne(_ options: ProxyOptions, _ policy: DestinationPolicy, log: Log) -> Int32 {
    switch ConnectionSlot.take(program: "in.proxy", caps: options.caps, log: log) {
    case .refused:
      ConnectionSlot.refuse(with: busyReply)
      return 0
    case .admitted(let slot):
      var session = ProxySession(options: options, policy: policy, log: log)
      let status = session.run()
      slot?.give()
      return status
    }
  }

  static let busyReply = Array(
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\nContent-Length: 46\r\nConnection: close\r\n\r\nToo many connections from you; try again soon\n".utf8)
}
