/// slug-tls: the TLS side of one connection, started by a daemon (docs/design.md, "TLS").
TLSHelper.main()
