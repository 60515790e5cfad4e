/// in.proxy's command line.
///
/// `-t IDLE`: seconds a kept-alive client connection or a CONNECT tunnel may stay silent
/// (default 15). `--timeout N`: seconds to connect to an origin and for each read from it
/// (default 30); past it the client gets 504. `--allow CIDR` (repeatable): the client
/// addresses served; the default is loopback plus the subnets of the machine's interfaces
/// (link-local ones left out). `--allow-destination CIDR` (repeatable): networks the proxy may
/// reach although they are the machine itself, link-local or not one host (see
/// `DestinationPolicy`). `--connect-port N` (repeatable): the ports CONNECT may reach
/// (default 443). Under inetd `wait` (fd 0 listening): `-i IDLE` seconds
/// a worker waits for a connection before it exits (default 30), `--max-clients N` workers,
/// so connections served at once (default 64; past them connections wait for a worker), and
/// `--max-per-source N` of them for one client address (default 32; past it a 503).
struct ProxyOptions: DaemonOptions {
  static let synopsis =
    "[-d] [-n] [-t IDLE] [--timeout N] [--allow CIDR]... [--allow-destination CIDR]... [--connect-port N]... [-i IDLE] [--max-clients N] [--max-per-source N]"
  static let flags: [String] = []
  static let valueOptions: [String] = [
    "t", "timeout", "allow", "allow-destination", "connect-port", "i", "max-clients", "max-per-source",
  ]

  var idleSeconds: Int
  var timeoutSeconds: Int
  var allowed: AllowList
  var openedDestinations: [AddressRange]
  var connectPorts: [UInt16]
  var listenerIdleSeconds: Int
  var maximumClients: Int
  var caps: ConnectionCaps

  init(_ arguments: Arguments) throws(UsageError) {
    guard arguments.operands.isEmpty else { throw UsageError("unexpected argument '\(arguments.operands[0])'") }
    idleSeconds = try arguments.integer("t", in: 1...86400) ?? 15
    timeoutSeconds = try arguments.integer("timeout", in: 1...3600) ?? 30
    listenerIdleSeconds = try arguments.integer("i", in: 0...86400) ?? 30
    caps = try ConnectionCaps(arguments, total: 64, perSource: 32)
    maximumClients = caps.total
    allowed = try AllowList(allowing: arguments.allValues("allow"))
    openedDestinations = []
    for text in arguments.allValues("allow-destination") {
      guard let range = AddressRange(text) else {
        throw UsageError("--allow-destination needs an address or CIDR (127.0.0.0/8, fd00::/8), not '\(text)'")
      }
      openedDestinations.append(range)
    }
    connectPorts = []
    for text in arguments.allValues("connect-port") {
      guard let port = UInt16(text), port > 0 else {
        throw UsageError("--connect-port needs a port from 1 to 65535, not '\(text)'")
      }
      connectPorts.append(port)
    }
    if connectPorts.isEmpty { connectPorts = [443] }
  }

  func allows(_ peer: SocketAddress) -> Bool { allowed.allows(peer) }
}
