import CLibc

/// in.smtp: an ESMTP relay for the LAN, started by inetd on each accepted connection
/// (`smtp stream tcp nowait` and `submission stream tcp nowait`); every message it accepts is
/// handed to the system sendmail, and the client hears 250 only once sendmail has taken it.
/// With pipes as stdin and stdout (a local program, `swaks --pipe`) it speaks SMTP on them,
/// as a local client that may relay.
func runRelay() -> Never {
  let options: RelayOptions
  do throws(UsageError) {
    options = try RelayOptions(
      try Arguments(
        flags: ["d"],
        options: [
          "s", "t", "hostname", "allow", "relay-domain", "max-size", "max-recipients", "spool", "data-timeout",
          "sendmail-timeout",
        ]))
  } catch {
    Runtime.usageError(error, synopsis: RelayOptions.synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  let local: Bool
  if SocketType(of: 0) == .stream {
    local = false
  } else if isPipe(0) && isPipe(1) {
    local = true
  } else {
    log.error("fd 0 is not a stream socket; run from inetd (smtp stream tcp nowait), or with pipes as stdin and stdout")
    exit(EX_NOINPUT)
  }
  // A client that goes away must end a write with EPIPE, not the process; and sendmail's exit
  // status must reach waitpid even if whoever started us ignored SIGCHLD.
  slug_ignore_sigpipe()
  slug_default_sigchld()
  var relay = Relay(options: options, log: log, local: local)
  exit(relay.run())
}

func isPipe(_ fd: Int32) -> Bool {
  var status = stat()
  return fstat(fd, &status) == 0 && status.st_mode & mode_t(S_IFMT) == mode_t(S_IFIFO)
}

runRelay()
