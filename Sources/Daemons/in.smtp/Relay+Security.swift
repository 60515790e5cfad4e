import CLibc

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
