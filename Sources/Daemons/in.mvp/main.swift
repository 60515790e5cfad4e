/// in.mvp: answers MediaMVP service-locator broadcasts on the UDP socket inetd passes as fd 0
/// (`16881 dgram udp wait`); one process answers a burst and leaves after the idle period.
Daemon.run(LocatorRelay.self)
