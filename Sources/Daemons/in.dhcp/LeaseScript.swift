/// The lease-change hook (`--script PATH`), called as dnsmasq calls its dhcp-script:
/// `PATH add|old|del MAC IP [HOSTNAME]`, once per change, after the change is committed.
/// Scripts run beside the server, which never waits for them; finished ones are reaped at
/// the next batch. A script gets /dev/null for its standard descriptors: ours are inetd's
/// socket.
struct LeaseScript {
  let path: String
  let log: Log

  func announce(_ changes: [DHCPLeaseChange]) {
    Spawn.reapFinished()
    for change in changes {
      let lease = change.lease
      var arguments = [
        path, change.event.description, hexPairs(lease.client.hardwareAddress, separator: ":"),
        IPv4Address(lease.address).description,
      ]
      if let name = lease.hostname { arguments.append(name) }
      if case .failure(let failure) = Spawn.start(arguments) {
        log.error("cannot run \(path): \(failure)")
      }
    }
  }
}
