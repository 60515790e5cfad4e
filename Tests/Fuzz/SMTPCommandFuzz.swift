/// libFuzzer entry point, built by `Scripts/fuzz smtp` together with Sources/Services/SMTP (it
/// belongs to no SwiftPM target). Every input goes to the command parser line by line, and to
/// a whole session fed at once, byte by byte and split in two at its middle: the three must
/// give the same replies and messages. The checks below are the promises the relay makes.
/// An input whose first byte is odd runs as submission over implicit TLS (AUTH, then relaying
/// anywhere); STARTTLS ends the plaintext run (the daemon hands what follows to the helper).

enum Event: Equatable {
  case reply([UInt8])
  case message(SMTPEnvelope, [UInt8])
  case refused
  case close
  case startTLS
}

/// Runs a session over `chunks` as the daemon does; every other delivery fails.
func session(_ chunks: [ArraySlice<UInt8>], implicitTLS: Bool) -> [Event] {
  var session = SMTPSession(
    configuration: SMTPConfiguration(
      hostName: "fuzz", maximumMessageSize: 2048, maximumRecipients: 3, clientMayRelay: false, relayDomains: ["lan"],
      offersTLS: true, submission: implicitTLS))
  if implicitTLS { session.startedTLS(SMTPTLS(version: "TLSv1.3", cipher: "TLS13-AES128-GCM-SHA256")) }
  var events: [Event] = []
  var body: [UInt8] = []
  var deliveries = 0
  var authenticated = false
  chunks: for chunk in chunks {
    var queue = session.feed(chunk)
    var index = 0
    while index < queue.count {
      switch queue[index] {
      case .send(let bytes):
        // Replies are whole lines; cut them into lines so the split of sends does not matter.
        var line: [UInt8] = []
        for byte in bytes {
          line.append(byte)
          if byte == 10 {
            events.append(.reply(line))
            line = []
          }
        }
        if !line.isEmpty { fatalError("a reply that does not end in a line end") }
      case .startMessage:
        body = []
      case .appendBody(let bytes):
        body += bytes
      case .deliver(let envelope, let size):
        if size != body.count || size > 2048 { fatalError("size \(size) for \(body.count) bytes") }
        if envelope.recipients.isEmpty || envelope.recipients.count > 3 { fatalError("recipient count") }
        for address in envelope.recipients + (envelope.sender.isEmpty ? [] : [envelope.sender]) {
          if SMTPAddress.problem(with: address) != nil || address.first == UInt8(ascii: "-") {
            fatalError("an unsafe address reached sendmail")
          }
        }
        if implicitTLS && !authenticated { fatalError("submission delivered without AUTH") }
        for recipient in envelope.recipients where !authenticated {
          if let domain = SMTPAddress.domain(of: recipient), !SMTPAddress.domain(domain, isIn: [Array("lan".utf8)]) {
            fatalError("relayed to a foreign domain")
          }
        }
        events.append(.message(envelope, body))
        deliveries += 1
        queue += session.delivered(deliveries % 2 == 0 ? .failed : .queued(id: "F"))
      case .discardMessage:
        events.append(.refused)
      case .close:
        events.append(.close)
      case .deniedRelay:
        break
      case .startTLS:
        if implicitTLS { fatalError("STARTTLS inside TLS") }
        events.append(.startTLS)
        break chunks
      case .authenticate(let credentials):
        if !implicitTLS { fatalError("AUTH outside TLS") }
        let accepted = credentials.user == "alice" && credentials.password == "pw"
        authenticated = authenticated || accepted
        queue += session.authenticated(accepted ? .accepted(user: "alice") : .rejected)
      }
      index += 1
    }
  }
  for case .reply(let line) in events {
    if line.count < 5 || line.suffix(2) != [13, 10] || !line.prefix(3).allSatisfy({ (48...57).contains($0) })
      || (line[3] != 32 && line[3] != 45)
    {
      fatalError("a malformed reply line")
    }
  }
  return events
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  for line in input.split(separator: 10) {
    for extended in [false, true] {
      if case .recipient(let path)? = try? SMTPCommand.parse(line, extended: extended),
        SMTPAddress.problem(with: path) != nil
      {
        fatalError("the parser passed a bad address")
      }
    }
  }
  let middle = input.count / 2
  let implicitTLS = (input.first ?? 0) & 1 == 1
  let whole = session([input[...]], implicitTLS: implicitTLS)
  if session(input.indices.map { input[$0...$0] }, implicitTLS: implicitTLS) != whole { fatalError("byte by byte differs") }
  if session([input[..<middle], input[middle...]], implicitTLS: implicitTLS) != whole { fatalError("split differs") }
  return 0
}
