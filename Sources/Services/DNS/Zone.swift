// Placeholder: the DNS protocol core (RFC 1035, RFC 6891) lands here.
