import Foundation
import TestSupport
import Crypto
import XCTest
import XMPP

/// What real clients sent (Tests/Fixtures/XMPP), parsed whole, byte by byte and in random chunks.
final class XMLClientTranscriptTests: XCTestCase {
  private func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/XMPP").appendingPathComponent(name)
    return Array(try Data(contentsOf: url))
  }

  /// The events for each part (a stream restart between parts), the same for every chunking.
  private func events(_ parts: [[UInt8]], file: StaticString = #filePath, line: UInt = #line) throws -> [[XMLStreamEvent]] {
    var random = SplitMix64(seed: 6120)
    var results: [[[XMLStreamEvent]]] = []
    for chunking in 0..<3 {
      var parser = XMLStreamParser()
      var perPart: [[XMLStreamEvent]] = []
      for part in parts {
        var events: [XMLStreamEvent] = []
        var offset = 0
        while offset < part.count {
          let size = chunking == 0 ? part.count : chunking == 1 ? 1 : Int.random(in: 1..<40, using: &random)
          let end = min(part.count, offset + size)
          events += try parser.feed(part[offset..<end])
          offset = end
        }
        perPart.append(events)
        parser.restart()
      }
      results.append(perPart)
    }
    XCTAssertEqual(results[0], results[1], "byte by byte", file: file, line: line)
    XCTAssertEqual(results[0], results[2], "random chunks", file: file, line: line)
    return results[0]
  }

  private func stanzas(_ events: [XMLStreamEvent]) -> [XMLElement] {
    events.compactMap { if case .stanza(let stanza) = $0 { return stanza } else { return nil } }
  }

  func testSendxmppLegacyDigestLogin() throws {
    let parts = try events([try fixture("sendxmpp-legacy-digest.xml")])
    guard case .streamOpen(let header)? = parts[0].first else { return XCTFail("no header") }
    XCTAssertEqual(header.attribute("to"), "127.0.0.1")
    XCTAssertEqual(header.attribute("xml:lang"), "en")
    XCTAssertEqual(parts[0].last, .streamClose)
    let stanzas = stanzas(parts[0])
    XCTAssertEqual(stanzas.map(\.name), ["iq", "iq", "message"])
    let auth = stanzas[1].child("query", namespace: "jabber:iq:auth")
    XCTAssertEqual(auth?.child("username")?.text, "alice")
    XCTAssertEqual(auth?.child("resource")?.text, "sendxmpp")
    XCTAssertEqual(auth?.child("digest")?.text, LegacyAuthDigest.digest(streamID: "3EE948B0", password: "Calli0pe"))
    XCTAssertEqual(stanzas[2].attribute("to"), "bob@slug.home")
    XCTAssertEqual(stanzas[2].child("body")?.text, "hello from sendxmpp & <friends>\n")
  }

  func testSlixmppSASLPlainLoginWithARestart() throws {
    let transcript = try fixture("slixmpp-sasl-plain.xml")
    let authEnd = Array("</auth>".utf8)
    guard let cut = (0...(transcript.count - authEnd.count)).first(where: { transcript[$0..<$0 + authEnd.count].elementsEqual(authEnd) })
    else { return XCTFail("no </auth>") }
    let parts = try events([Array(transcript[..<(cut + authEnd.count)]), Array(transcript[(cut + authEnd.count)...])])
    let auth = stanzas(parts[0])
    XCTAssertEqual(auth.count, 1)
    XCTAssertEqual(auth.first?.namespace, "urn:ietf:params:xml:ns:xmpp-sasl")
    XCTAssertEqual(auth.first?.attribute("mechanism"), "PLAIN")
    let plain = try SASLPlain.parse(Base64.decode(auth.first?.text ?? "") ?? [])
    XCTAssertEqual(plain.user, "alice")
    XCTAssertEqual(plain.password, "pencil")
    guard case .streamOpen(let restarted)? = parts[1].first else { return XCTFail("no second header") }
    XCTAssertEqual(restarted.attribute("version"), "1.0")
    XCTAssertEqual(parts[1].last, .streamClose)
    let session = stanzas(parts[1])
    XCTAssertEqual(session.map(\.name), ["iq", "iq", "presence", "message"])
    XCTAssertEqual(session[0].child("bind", namespace: "urn:ietf:params:xml:ns:xmpp-bind")?.child("resource")?.text, "r1")
    XCTAssertNotNil(session[1].child("session", namespace: "urn:ietf:params:xml:ns:xmpp-session"))
    XCTAssertEqual(session[2].child("show")?.text, "away")
    XCTAssertEqual(session[2].child("status")?.text, "at <home> & \"away\"")
    XCTAssertEqual(session[3].child("body")?.text, "héllo 😀 <b>&amp;</b>")
    XCTAssertEqual(
      session[3].xml(),
      "<message type='chat' to='bob@slug.home/phone' id='faa11c65c1304a0f9bea1c556cf2508a' xml:lang='en'>"
        + "<body>héllo 😀 &lt;b&gt;&amp;amp;&lt;/b&gt;</body></message>")
  }
}
