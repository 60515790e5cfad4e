/// in.www: a static file and CGI/1.1 web server, started by inetd on each accepted TCP
/// connection (`http stream tcp nowait`); it serves requests on that connection until the
/// client closes, stays idle too long, or asks to close.
Daemon.run(WebServer.self)
