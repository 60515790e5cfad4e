/// in.jabberd: the LAN's XMPP server, started by inetd on each accepted client connection
/// (`xmpp-client stream tcp nowait`); the process lives as long as the client's stream.
Daemon.run(JabberServer.self)
