#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Crypto
#endif

/// SASL (RFC 6120 §6: SCRAM-SHA-256, SCRAM-SHA-1, their -PLUS forms under TLS, PLAIN), legacy jabber:iq:auth (XEP-0078,
/// plaintext and digest) and resource binding (RFC 6120 §7).
extension Session {
  mutating func startSASL(_ auth: XMLElement) {
    let initial = auth.text
    let mechanism = auth.attribute("mechanism") ?? ""
    let hash: SCRAMHash
    var plus = false
    switch mechanism {
    case "PLAIN":
      guard !initial.isEmpty else {
        stage = .plainAwaitingResponse
        write("<challenge xmlns='" + StanzaNamespace.sasl + "'/>")
        return
      }
      guard let message = Session.decodeSASL(initial) else { return saslFailure("incorrect-encoding", user: nil) }
      plain(message)
      return
    case "SCRAM-SHA-1": hash = .sha1
    case "SCRAM-SHA-256": hash = .sha256
    case "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS":
      guard !(tls?.channelBindingTypes.isEmpty ?? true) else { return saslFailure("invalid-mechanism", user: nil) }
      hash = mechanism == "SCRAM-SHA-1-PLUS" ? .sha1 : .sha256
      plus = true
    default:
      return saslFailure("invalid-mechanism", user: nil)
    }
    // The salt is the account's (or, for an account known by its password, a fresh one).
    let server = SCRAMServer(
      hash: hash, serverNonce: Base64.encode(randomBytes(18)), salt: randomBytes(16),
      iterations: configuration.scramIterations, channelBinding: channelBinding(plus: plus))
    stage = .scram(server, account: nil, known: false)
    guard !initial.isEmpty else {
      write("<challenge xmlns='" + StanzaNamespace.sasl + "'/>")
      return
    }
    guard let message = Session.decodeSASL(initial) else { return saslFailure("incorrect-encoding", user: nil) }
    scramStep(message)
  }

  mutating func continueSASL(_ stanza: XMLElement) {
    guard stanza.namespace == StanzaNamespace.sasl else { return streamError("not-authorized") }
    switch stanza.name {
    case "abort":
      saslFailure("aborted", user: nil)
    case "response":
      guard let message = Session.decodeSASL(stanza.text) else {
        return saslFailure("incorrect-encoding", user: nil)
      }
      if case .plainAwaitingResponse = stage { plain(message) } else { scramStep(message) }
    default:
      streamError("not-authorized")
    }
  }

  /// `=` is an empty message (RFC 6120 §6.4.2); nil for bad Base64.
  static func decodeSASL(_ text: String) -> [UInt8]? {
    let trimmed = String(text.unicodeScalars.filter { $0 != " " && $0 != "\n" && $0 != "\r" && $0 != "\t" })
    if trimmed == "=" { return [] }
    return Base64.decode(trimmed)
  }

  mutating func plain(_ message: [UInt8]) {
    let credentials: (authorizationID: String, user: String, password: String)
    do throws(SASLFailure) {
      credentials = try SASLPlain.parse(message)
    } catch {
      return saslFailure(error.condition, user: nil)
    }
    // An unknown user's password is checked against a decoy: the same PBKDF2, the same failure.
    let found = backend.account(named: credentials.user)
    let checked = found ?? decoy(named: credentials.user)
    guard checked.matches(credentials.password), let account = found else {
      return saslFailure("not-authorized", user: credentials.user)
    }
    guard authorizes(credentials.authorizationID, account) else {
      return saslFailure("invalid-authzid", user: credentials.user)
    }
    saslSuccess(account, additionalData: nil)
  }

  /// An authorization identity may only name the account itself (RFC 6120 §6.3.8): empty, or
  /// its bare JID.
  func authorizes(_ authorization: String, _ account: SessionAccount) -> Bool {
    guard !authorization.isEmpty else { return true }
    guard let requested = JID(authorization) else { return false }
    return requested.isBare && requested.local == ASCII.lowercased(account.name) && requested.domain == domain
  }

  mutating func scramStep(_ message: [UInt8]) {
    guard case .scram(var server, let account, let known) = stage else { return }
    if let account {
      let final: [UInt8]
      do throws(SASLFailure) {
        final = try server.receiveClientFinal(message)
      } catch {
        return saslFailure(error.condition, user: account.name)
      }
      guard known else { return saslFailure("not-authorized", user: account.name) }
      guard authorizes(server.authorizationID ?? "", account) else {
        return saslFailure("invalid-authzid", user: account.name)
      }
      saslSuccess(account, additionalData: final)
      return
    }
    let user: String
    do throws(SASLFailure) {
      user = try server.receiveClientFirst(message)
    } catch {
      if server.bindingRefused { return channelBindingRefused(error.condition) }
      return saslFailure(error.condition, user: nil)
    }
    // An unknown user gets a challenge like any other (from a decoy credential whose salt is
    // the same at each probe), so the exchange does not tell which names exist.
    let found = backend.account(named: user)
    let checked = found ?? decoy(named: user)
    let challenge: [UInt8]
    if let keys = checked.keys(server.hash) {
      challenge = server.serverFirst(keys: keys)
    } else {
      challenge = server.serverFirst(password: checked.password ?? "")
    }
    stage = .scram(server, account: checked, known: found != nil)
    write("<challenge xmlns='" + StanzaNamespace.sasl + "'>" + Base64.encode(challenge) + "</challenge>")
  }

  mutating func saslSuccess(_ account: SessionAccount, additionalData: [UInt8]?) {
    self.account = account
    backend.loginSucceeded(now: now)
    stage = .awaitingRestart
    if let additionalData {
      write("<success xmlns='" + StanzaNamespace.sasl + "'>" + Base64.encode(additionalData) + "</success>")
    } else {
      write("<success xmlns='" + StanzaNamespace.sasl + "'/>")
    }
    actions.append(.restartParser)
  }

  mutating func saslFailure(_ condition: String, user: String?) {
    stage = .unauthenticated
    write("<failure xmlns='" + StanzaNamespace.sasl + "'><" + condition + "/></failure>")
    if condition != "aborted" { denied(user) }
  }

  /// One more failed attempt: logged with the client's address, counted for the address's
  /// back-off; the stream ends after too many.
  mutating func denied(_ user: String?) {
    log(.authError, "DENIED " + (user ?? "(no user)") + " from " + (backend.clientAddress ?? "unknown"))
    backend.loginFailed(now: now)
    failures += 1
    if failures >= configuration.maximumAuthenticationFailures {
      write("</stream:stream>")
      end()
    }
  }

  // MARK: jabber:iq:auth (XEP-0078)

  mutating func legacyAuthentication(_ iq: XMLElement, query: XMLElement) {
    let id = iq.attribute("id")
    let username = query.child("username")?.text ?? ""
    switch iq.attribute("type") {
    case "get":
      // The digest is offered only for an account that keeps its password (a legacy one): for
      // any other, known or not, the fields are the same, so they tell no names apart.
      let digest = backend.account(named: username)?.password != nil ? "<digest/>" : ""
      write(
        "<iq type='result'" + StanzaText.attribute("id", id) + "><query xmlns='" + StanzaNamespace.legacyAuth
          + "'><username>" + XMLEscape.text(username) + "</username><password/>" + digest + "<resource/></query></iq>")
    case "set":
      let resource = query.child("resource")?.text ?? ""
      guard !username.isEmpty, Session.isValidResource(resource) else {
        write(StanzaText.error("iq", id: id, from: nil, to: nil, type: "modify", condition: "not-acceptable", code: "406"))
        return
      }
      let found = backend.account(named: username)
      guard credentialsMatch(query, account: found ?? decoy(named: username)), let account = found else {
        write(StanzaText.error("iq", id: id, from: nil, to: nil, type: "auth", condition: "not-authorized", code: "401"))
        denied(username)
        return
      }
      self.account = account
      backend.loginSucceeded(now: now)
      write("<iq type='result'" + StanzaText.attribute("id", id) + "/>")
      login(resource: resource)
    default:
      write(StanzaText.error("iq", id: id, from: nil, to: nil, type: "modify", condition: "bad-request", code: "400"))
    }
  }

  /// A plaintext `<password>` (checked as PLAIN is) or a `<digest>` (hex SHA-1 of stream id +
  /// password, any case), which only an account keeping its password can match.
  func credentialsMatch(_ query: XMLElement, account: SessionAccount) -> Bool {
    if let digest = query.child("digest")?.text, !digest.isEmpty {
      guard let password = account.password else { return false }
      let expected = LegacyAuthDigest.digest(streamID: streamID, password: password)
      return ConstantTime.equals(ASCII.lowercased(digest), expected)
    }
    guard let given = query.child("password")?.text else { return false }
    return account.matches(given)
  }

  /// What an unknown user is checked against: SCRAM keys of no password, with salts derived
  /// from the name and the backend's secret (random without one) and the default iterations.
  func decoy(named name: String) -> SessionAccount {
    let secret = backend.decoySecret()
    func keys(_ hash: SCRAMHash, _ label: String, size: Int) -> SCRAMKeys {
      let salt = secret.map {
        Array(HMAC.sha256(key: $0, message: Array((label + ":" + ASCII.lowercased(name)).utf8)).prefix(16))
      }
      return SCRAMKeys(
        salt: salt ?? randomBytes(16), iterations: configuration.scramIterations, storedKey: randomBytes(size),
        serverKey: randomBytes(size))
    }
    return SessionAccount(name: name, sha1: keys(.sha1, "sha1", size: 20), sha256: keys(.sha256, "sha256", size: 32), password: nil)
  }

  // MARK: Back-off

  /// Whether the stanza is a login attempt (SASL auth, jabber:iq:auth set), which waits out the
  /// client address's back-off before it is looked at.
  func isLoginAttempt(_ stanza: XMLElement) -> Bool {
    if stanza.namespace == StanzaNamespace.sasl, stanza.name == "auth" { return version1 }
    return stanza.name == "iq" && stanza.attribute("type") == "set"
      && stanza.child("query", namespace: StanzaNamespace.legacyAuth) != nil
  }

  /// Holds the attempt and asks the daemon to pause while the back-off lasts; false when there
  /// is none now. Asked again at `.resume`: another process may have failed meanwhile.
  mutating func heldByBackOff(_ stanza: XMLElement) -> Bool {
    let wait = backend.loginDelay(now: now)
    guard wait > 0 else { return false }
    heldAttempt = stanza
    actions.append(.pause(until: now + wait))
    return true
  }

  mutating func resumeHeldAttempt() {
    guard let stanza = heldAttempt else { return }
    heldAttempt = nil
    received(stanza)
  }

  // MARK: Binding

  mutating func bindResource(_ iq: XMLElement, bind: XMLElement) {
    var resource = bind.child("resource")?.text ?? ""
    if resource.isEmpty { resource = "slug-" + Hex.lowercase(randomBytes(4)) }
    guard Session.isValidResource(resource) else {
      write(
        StanzaText.error("iq", id: iq.attribute("id"), from: nil, to: nil, type: "modify", condition: "bad-request"))
      return
    }
    guard let account else { return }
    let full = JID(local: account.name, domain: domain, resource: resource)
    write(
      "<iq type='result'" + StanzaText.attribute("id", iq.attribute("id")) + "><bind xmlns='" + StanzaNamespace.bind
        + "'><jid>" + XMLEscape.text(full.description) + "</jid></bind></iq>")
    login(resource: resource)
  }

  /// The session has a full JID: it joins the mesh, and every peer's hello follows.
  mutating func login(resource: String) {
    guard let account else { return }
    let full = JID(local: account.name, domain: domain, resource: resource)
    jid = full
    since = now
    token = Session.number(randomBytes(8))
    stage = .bound
    log(.authNotice, "LOGIN " + full.description)
    archiving = backend.openArchive(of: full.local, now: now)
    actions.append(.joinMesh)
  }

  /// A resource part: 1-1023 bytes, no control characters (it travels in mesh lines).
  static func isValidResource(_ resource: String) -> Bool {
    guard (1...1023).contains(resource.utf8.count) else { return false }
    return resource.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
  }
}
