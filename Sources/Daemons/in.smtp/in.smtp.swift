/// in.smtp: an ESMTP relay for the LAN, started by inetd on each accepted connection
/// (`smtp stream tcp nowait` and `submission stream tcp nowait`); every message it accepts is
/// handed to the system sendmail, and the client hears 250 only once sendmail has taken it.
/// With pipes as stdin and stdout (a local program, `swaks --pipe`) it speaks SMTP on them,
/// as a local client that may relay.
///
/// slugctl runs it when started under that name (Sources/Tools/slugctl/main.swift).
enum InSMTP {
  static func main() -> Never { Daemon.run(Relay.self) }
}
