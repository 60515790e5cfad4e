/// in.dns: the LAN's authoritative name server, started by inetd on the UDP socket (`dns dgram
/// udp wait`) or on an accepted TCP connection (`dns stream tcp nowait`); the same binary tells
/// them apart by fd 0.
///
/// slugctl runs it when started under that name (Sources/Tools/slugctl/main.swift).
enum InDNS {
  static func main() -> Never { Daemon.run(NameServer.self) }
}
