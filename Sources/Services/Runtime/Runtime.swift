// Placeholder: the runtime (fd 0 sockets, poll loop, timeouts, syslog) lands here.
