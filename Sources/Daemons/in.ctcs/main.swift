/// in.ctcs: three programs in one binary. The control server talks with one ctorrent on the
/// connection inetd passes as fd 0 (`ctcs stream tcp nowait`, port 2780); `--run-queue` runs
/// the torrent queue; `--cgi`, or the name `torrents.cgi`, answers one request of the web page.
let argv = Arguments.processArguments()
if argv.contains("--run-queue") { Daemon.run(QueueRunner.self) }
if argv.contains("--cgi") || Arguments.basename(argv.first ?? "") == "torrents.cgi" { Daemon.run(TorrentPage.self) }
Daemon.run(ControlServer.self)
