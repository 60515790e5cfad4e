/// in.dhcp's command line.
struct DHCPOptions: DaemonOptions {
  static let synopsis = "[-d] [-n] [-i IDLE] [--db PATH | -c CONF [-l LEASES]] [--script PATH] [IFACE]... [BIND-ADDRESS]"
  static let flags: [String] = []
  static let valueOptions: [String] = ["i", "db", "c", "l", "script"]

  /// Seconds without a request before the process leaves the socket to inetd again.
  var idleSeconds: Int
  var datagramIdleSeconds: Int { idleSeconds }
  var database: String?
  var configFile: String?
  var leaseFile: String?
  var script: String?
  /// The interfaces to serve; empty means every interface the store configures.
  var interfaces: [String]
  /// The original's second operand: the server's address when the file names none.
  var bindAddress: UInt32?

  init(_ arguments: Arguments) throws(UsageError) {
    idleSeconds = try arguments.integer("i", in: 0...86400) ?? Daemon.defaultDatagramIdleSeconds
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
      guard (1...DHCPOptions.longestInterfaceName).contains(name.utf8.count), !name.utf8.contains(UInt8(ascii: "/")) else {
        throw UsageError("'\(name)' is not an interface name")
      }
    }
  }

  /// IFNAMSIZ less its NUL.
  static let longestInterfaceName = 15
}
