import CLibc

/// in.proxy: an HTTP/1.1 forward proxy with CONNECT for the LAN's browsers, started by inetd
/// once per client connection (`webcache stream tcp nowait nobody in.proxy`), or once per burst
/// of connections (`webcache stream tcp wait nobody in.proxy`): then fd 0 is the listening
/// socket, and forked workers accept and serve the connections, which saves inetd's fork and
/// exec per connection.
func runProxy() -> Never {
  let synopsis = "[-d] [-t IDLE] [--timeout N] [--allow CIDR]... [--connect-port N]... [-i IDLE] [--max-clients N]"
  let options: ProxyOptions
  do throws(UsageError) {
    options = try ProxyOptions(try Arguments(flags: ["d"], options: ["t", "timeout", "allow", "connect-port", "i", "max-clients"]))
  } catch {
    Runtime.usageError(error, synopsis: synopsis)
  }
  let log = Log(program: options.program, destination: options.debug ? .standardError : .syslog)
  guard SocketType(of: 0) == .stream else {
    log.error("fd 0 is not a stream socket; run from inetd (webcache stream tcp wait, or nowait)")
    exit(EX_NOINPUT)
  }
  guard ListenerService.isListening(0) else {
    var session = ProxySession(options: options, log: log)
    exit(session.run())
  }
  let listener = ListenerService(idleSeconds: options.listenerIdleSeconds, maximumWorkers: options.maximumClients, log: log)
  exit(
    listener.run {
      var session = ProxySession(options: options, log: log)
      return session.run()
    })
}

runProxy()
