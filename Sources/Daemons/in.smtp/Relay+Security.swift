import CLibc

/// -n's check of the certificate: the helper's (`slug-tls --check`), which loads the chain and
/// the key as a handshake would and names what is missing, expired or mismatched.
extension Relay {
  static func loadForChecking(_ options: RelayOptions, log: Log) throws(StartupError) -> Configuration {
    let configuration = try load(options, log: log)
    guard configuration.tlsConfigured else { return configuration }
    try TLSHandoff.check(directory: options.tlsDirectory, log: log)
    return configuration
  }
}

/// STARTTLS and implicit TLS through the helper, and AUTH against the store's accounts.
extension Relay {
  /// Hands the connection to slug-tls (docs/design.md, "TLS"); false when the handshake failed
  /// (the helper logged why, with the client's address) and the connection is over.
  mutating func startTLS() -> Bool {
    guard let started = TLSHandoff.start(directory: options.tlsDirectory, log: log) else { return false }
    session.startedTLS(SMTPTLS(version: started.version, cipher: started.cipher))
    return true
  }

  /// Checks credentials; a failure is logged (facility auth, as in.jabberd's DENIED) and
  /// answered after a pause that grows with each failure of the connection (1 s, 2 s, ...),
  /// which the session ends after its third.
  mutating func authenticate(_ credentials: SMTPCredentials) -> SMTPAuthentication {
    let outcome = accounts.check(credentials, log: log)
    switch outcome {
    case .accepted(let user):
      log.authNotice("AUTH \(user) from \(client)")
    case .rejected:
      authenticationFailures += 1
      log.authError("DENIED AUTH \(credentials.user) from \(client)")
      _ = usleep(UInt32(min(authenticationFailures, 5)) * 1_000_000)
    case .unavailable:
      break
    }
    return outcome
  }
}
