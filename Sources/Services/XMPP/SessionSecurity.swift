#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// STARTTLS (RFC 6120 §5), direct TLS (XEP-0368), and what a stream offers for logging in
/// with and without TLS: SASL mechanisms with channel binding (XEP-0440), PLAIN and
/// jabber:iq:auth only where the password cannot be read on the way.
extension Session {
  /// STARTTLS can still be offered: a certificate is installed and the stream is in the clear.
  var offersTLS: Bool { configuration.tlsAvailable && tls == nil }

  /// Whether a client may authenticate on this stream now: inside TLS, or where there is no
  /// TLS to be had (no certificate), or where the admin allowed plaintext logins.
  var mayLogIn: Bool { !offersTLS || configuration.allowPlaintext }

  /// The features of a fresh stream (RFC 6120 §4.3.2).
  func loginFeatures() -> String {
    var features = "<stream:features>"
    if offersTLS {
      features += "<starttls xmlns='" + StanzaNamespace.tls + "'>"
        + (configuration.allowPlaintext ? "" : "<required/>") + "</starttls>"
    }
    if mayLogIn {
      let bindings = tls?.channelBindingTypes ?? []
      features += "<mechanisms xmlns='" + StanzaNamespace.sasl + "'>"
      if !bindings.isEmpty {
        features += "<mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-1-PLUS</mechanism>"
      }
      features += "<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
      if !bindings.isEmpty {
        features += "<sasl-channel-binding xmlns='" + StanzaNamespace.channelBinding + "'>"
        for type in bindings { features += "<channel-binding type='" + type + "'/>" }
        features += "</sasl-channel-binding>"
      }
      features += "<auth xmlns='" + StanzaNamespace.legacyAuthFeature + "'/>"
    }
    return features + "</stream:features>"
  }

  /// The SCRAM channel binding for `mechanism`'s -PLUS form (or not) on this stream.
  func channelBinding(plus: Bool) -> SCRAMChannelBinding {
    tls?.channelBinding(plus: plus) ?? .none
  }

  /// `<starttls/>`: `<proceed/>` and the handshake, or, where TLS is not offered (no
  /// certificate, or already under TLS), `<failure/>` and the stream's end (RFC 6120 §5.4.2.2).
  mutating func startTLS() {
    guard offersTLS else {
      write("<failure xmlns='" + StanzaNamespace.tls + "'/></stream:stream>")
      end()
      return
    }
    write("<proceed xmlns='" + StanzaNamespace.tls + "'/>")
    stage = .startingTLS
    actions.append(.startTLS)
  }

  /// The handshake is done: the stream starts again from its header, knowing nothing the
  /// client said in the clear (RFC 6120 §5.4.3.3), with a new id. Direct TLS comes here before
  /// any byte.
  mutating func tlsStarted(_ layer: SessionTLS) {
    switch stage {
    case .startingTLS: break
    case .awaitingStream where !headerSent: break
    default: return
    }
    tls = layer
    stage = .awaitingStream
    headerSent = false
    streamID = ""
  }

  /// A SCRAM attempt whose channel binding flag does not fit (a type this connection lacks,
  /// such as tls-unique under TLS 1.3, or "y" where -PLUS was offered: a downgrade). No
  /// password was tried, so it is no guess for the back-off: clients go through their
  /// mechanisms in turn (slixmpp tries -PLUS with tls-unique, then "y", then PLAIN). Still,
  /// a stream gets only so many.
  mutating func channelBindingRefused(_ condition: String) {
    stage = .unauthenticated
    write("<failure xmlns='" + StanzaNamespace.sasl + "'><" + condition + "/></failure>")
    log(.info, "SASL channel binding refused from " + (backend.clientAddress ?? "unknown"))
    bindingRefusals += 1
    if bindingRefusals >= 8 {
      write("</stream:stream>")
      end()
    }
  }

  /// SASL `<auth>` or any jabber:iq:auth query.
  func isAuthentication(_ stanza: XMLElement) -> Bool {
    if stanza.namespace == StanzaNamespace.sasl, stanza.name == "auth" { return true }
    return stanza.name == "iq" && stanza.child("query", namespace: StanzaNamespace.legacyAuth) != nil
  }

  /// A login attempt where TLS is required and not yet started: the password (or what SCRAM
  /// reveals of it) never crosses in the clear. The client learns why, and the stream ends.
  mutating func refuseWithoutTLS(_ stanza: XMLElement) {
    log(.warning, "login without TLS refused from " + (backend.clientAddress ?? "unknown"))
    if stanza.namespace == StanzaNamespace.sasl {
      write(
        "<failure xmlns='" + StanzaNamespace.sasl + "'><encryption-required/><text xml:lang='en'>"
          + "Start TLS first (STARTTLS).</text></failure></stream:stream>")
      end()
    } else {
      streamError("policy-violation", text: "Start TLS first (STARTTLS).")
    }
  }
}
