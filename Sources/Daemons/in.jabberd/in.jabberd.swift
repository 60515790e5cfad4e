/// in.jabberd: the LAN's XMPP server, started by inetd on each accepted client connection
/// (`xmpp-client stream tcp nowait`); the process lives as long as the client's stream.
///
/// slugctl runs it when started under that name (Sources/Tools/slugctl/main.swift).
enum InJabberd {
  static func main() -> Never { Daemon.run(JabberServer.self) }
}
