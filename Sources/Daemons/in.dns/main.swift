/// in.dns: the LAN's authoritative name server, started by inetd on the UDP socket (`dns dgram
/// udp wait`) or on an accepted TCP connection (`dns stream tcp nowait`); the same binary tells
/// them apart by fd 0.
Daemon.run(NameServer.self)
