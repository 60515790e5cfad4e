/// in.ctcs: three programs under one name. The control server talks with one ctorrent, or
/// answers one browser with the web page, on the connection inetd passes as fd 0 (`ctcs stream
/// tcp nowait`, port 2780); `--run-queue` runs the torrent queue; `--cgi`, or the name
/// `torrents.cgi`, relays one request of the page from in.www to the control server's port.
///
/// slugctl runs it when started as in.ctcs or torrents.cgi (Sources/Tools/slugctl/main.swift).
enum InCTCS {
  static func main(_ arguments: [String]) -> Never {
    if arguments.contains("--run-queue") { Daemon.run(QueueRunner.self) }
    if arguments.contains("--cgi") || FilePath.name(of: arguments.first ?? "") == "torrents.cgi" { Daemon.run(PageRelay.self) }
    Daemon.run(ControlServer.self)
  }
}
