/// in.mvp's command line.
struct LocatorOptions: DaemonOptions {
  static let synopsis = "[-d] [-n] [-i IDLE] [--gui-port N] [--media-port N] [--console-port N] [ADDRESS]"
  static let flags: [String] = []
  static let valueOptions: [String] = ["i", "gui-port", "media-port", "console-port"]

  /// Seconds without a datagram before the process leaves the socket to inetd again.
  var idleSeconds: Int
  var datagramIdleSeconds: Int { idleSeconds }
  var ports: LocatorPorts
  /// The server address to offer; nil: the address the request arrived on.
  var configuredServer: UInt32?

  init(_ arguments: Arguments) throws(UsageError) {
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? Daemon.defaultDatagramIdleSeconds
    let defaults = LocatorPorts()
    ports = LocatorPorts(
      gui: UInt16(try arguments.integer("gui-port", in: 1...65535) ?? Int(defaults.gui)),
      media: UInt16(try arguments.integer("media-port", in: 1...65535) ?? Int(defaults.media)),
      console: UInt16(try arguments.integer("console-port", in: 1...65535) ?? Int(defaults.console)))
    guard arguments.operands.count <= 1 else { throw UsageError("too many arguments") }
    if let text = arguments.operands.first {
      guard let address = SocketAddress.parseIPv4(text) else {
        throw UsageError("'\(text)' is not an IPv4 address")
      }
      configuredServer = address
    }
  }
}
