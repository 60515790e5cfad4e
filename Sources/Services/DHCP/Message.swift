// Placeholder: the DHCPv4 protocol core (RFC 2131, RFC 2132) lands here.
