/// in.ctcs: three programs in one binary. The control server talks with one ctorrent, or
/// answers one browser with the web page, on the connection inetd passes as fd 0 (`ctcs stream
/// tcp nowait`, port 2780); `--run-queue` runs the torrent queue; `--cgi`, or the name
/// `torrents.cgi`, relays one request of the page from in.www to the control server's port.
let argv = Arguments.processArguments()
if argv.contains("--run-queue") { Daemon.run(QueueRunner.self) }
if argv.contains("--cgi") || FilePath.name(of: argv.first ?? "") == "torrents.cgi" { Daemon.run(PageRelay.self) }
Daemon.run(ControlServer.self)
