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
    lines += ["worker-idle \(options.listenerIdleSeconds)", "max-clients \(options.maximumClients)"]
    return lines.joined(separator: "\n")
  }

  static func serve(_ options: ProxyOptions, _ policy: DestinationPolicy, on input: StandardInput?, log: Log) -> Int32 {
    guard ListenerService.isListening(0) else {
      var session = ProxySession(options: options, policy: policy, log: log)
      return session.run()
    }
    let listener = ListenerService(idleSeconds: options.listenerIdleSeconds, maximumWorkers: options.maximumClients, log: log)
    return listener.run {
      var session = ProxySession(options: options, policy: policy, log: log)
      return session.run()
    }
  }
}
