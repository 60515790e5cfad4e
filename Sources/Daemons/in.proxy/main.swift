/// in.proxy: an HTTP/1.1 forward proxy with CONNECT for the LAN's browsers, started by inetd
/// once per client connection (`webcache stream tcp nowait slug-proxy in.proxy`), or once per burst
/// of connections (`webcache stream tcp wait slug-proxy in.proxy`): then fd 0 is the listening
/// socket, and forked workers accept and serve the connections, which saves inetd's fork and
/// exec per connection.
Daemon.run(ForwardProxy.self)
