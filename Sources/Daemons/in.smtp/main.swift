import CLibc

/// in.smtp: an ESMTP relay for the LAN, started by inetd on each accepted connection
/// (`smtp stream tcp nowait` and `submission stream tcp nowait`); every message it accepts is
/// handed to the system sendmail, and the client hears 250 only once sendmail has taken it.
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
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (smtp stream tcp nowait)")
    exit(Runtime.noInputExit)
  }
  // A client that goes away must end a write with EPIPE, not the process; and sendmail's exit
  // status must reach waitpid even if whoever started us ignored SIGCHLD.
  slug_ignore_sigpipe()
  slug_default_sigchld()
  var relay = Relay(options: options, log: log)
  exit(relay.run())
}

runRelay()
