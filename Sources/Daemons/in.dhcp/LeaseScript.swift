import CLibc

/// The lease-change hook (`--script PATH`), called as dnsmasq calls its dhcp-script:
/// `PATH add|old|del MAC IP [HOSTNAME]`, once per change, after the change is committed.
/// Scripts run beside the server, which never waits for them; finished ones are reaped at
/// the next batch.
struct LeaseScript {
  let path: String
  let log: Log

  func announce(_ changes: [DHCPLeaseChange]) {
    reapFinished()
    for change in changes {
      let lease = change.lease
      var arguments = [
        path, change.event.description, hexPairs(lease.client.hardwareAddress, separator: ":"),
        IPv4Address(lease.address).description,
      ]
      if let name = lease.hostname { arguments.append(name) }
      spawn(arguments)
    }
  }

  private func spawn(_ arguments: [String]) {
    var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    var child: pid_t = 0
    let code = posix_spawn(&child, path, nil, nil, pointers, slug_environ())
    if code != 0 {
      log.error("cannot run \(path): \(String(cString: strerror(code)))")
    }
  }

  private func reapFinished() {
    var status: Int32 = 0
    while waitpid(-1, &status, WNOHANG) > 0 {}
  }
}
