/// in.dhcp: the LAN's DHCPv4 server, started by inetd on the bootps socket (`bootps dgram udp4
/// wait`). One process answers a burst of requests and leaves after the idle period.
///
/// slugctl runs it when started under that name (Sources/Tools/slugctl/main.swift).
enum InDHCP {
  static func main() -> Never { Daemon.run(LeaseServer.self) }
}
