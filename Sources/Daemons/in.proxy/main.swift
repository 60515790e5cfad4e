import CLibc

/// in.proxy: an HTTP/1.1 forward proxy with CONNECT for the LAN's browsers, started by inetd
/// once per client connection (`webcache stream tcp nowait nobody in.proxy`).
func runProxy() -> Never {
  let synopsis = "[-d] [-t IDLE] [--timeout N] [--allow CIDR]... [--connect-port N]..."
  let options: ProxyOptions
  do throws(UsageError) {
    options = try ProxyOptions(try Arguments(flags: ["d"], options: ["t", "timeout", "allow", "connect-port"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (webcache stream tcp nowait)")
    exit(Runtime.noInputExit)
  }
  var session = ProxySession(options: options, log: log)
  exit(session.run())
}

runProxy()
