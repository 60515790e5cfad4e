// Placeholder: the service catalogue and the inetd / xinetd / systemd generators land here.
